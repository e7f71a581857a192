"""A real SMTP server for the tests: aiosmtpd on a free loopback port.

It keeps every message it accepts (parsed, with its envelope), can refuse the
next messages with a chosen reply ("451 …" temporary, "550 …" permanent) or
one recipient (`refuse_recipient`), counts the connections (`connections`),
can drop each connection after some messages (`drop_after`), lets a test act
while a message arrives (`on_message`), and can be stopped and started again
on the same port to play an outage.
"""

import asyncio
import email
import email.policy
import socket
from dataclasses import dataclass

from aiosmtpd.controller import Controller


def _free_port():
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass
class Received:
    mail_from: str
    rcpt_tos: list
    message: email.message.EmailMessage
    # The message as it came over the wire, headers encoded.
    raw: bytes = b""

    @property
    def to(self):
        return self.message["To"]

    @property
    def subject(self):
        return self.message["Subject"]

    def part(self, content_type):
        """The decoded text of the part with this type ("text/plain", "text/html"), or None."""
        for part in self.message.walk():
            if part.get_content_type() == content_type and not part.is_multipart():
                return part.get_content()
        return None

    @property
    def text(self):
        return self.part("text/plain")

    @property
    def html(self):
        return self.part("text/html")


class _Handler:
    def __init__(self, server):
        self.server = server

    async def handle_EHLO(self, smtp_server, session, envelope, hostname, responses):
        session.host_name = hostname
        # One EHLO per connection (no STARTTLS here): each new session is a new connection.
        if not any(known is session for known in self.server.sessions):
            self.server.sessions.append(session)
        return responses

    async def handle_RCPT(self, smtp_server, session, envelope, address, rcpt_options):
        refusal = self.server.recipient_replies.get(address)
        if refusal is not None:
            return refusal
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, smtp_server, session, envelope):
        message = email.message_from_bytes(envelope.content, policy=email.policy.default)
        received = Received(envelope.mail_from, list(envelope.rcpt_tos), message, envelope.original_content)
        if self.server.on_message is not None:
            # In a thread: a hook that waits must not stop the server from serving other connections.
            await asyncio.to_thread(self.server.on_message, received)
        if self.server.reply is not None:
            return self.server.reply
        self.server.received.append(received)
        accepted = self.server._accepted_in[id(session)] = self.server._accepted_in.get(id(session), 0) + 1
        if self.server.drop_after is not None and accepted % self.server.drop_after == 0:
            # The reply goes out first: the connection closes once its buffer is written.
            asyncio.get_running_loop().call_soon(smtp_server.transport.close)
        return "250 Message accepted for delivery"


class SMTPServer:
    def __init__(self):
        self.port = _free_port()
        self.received = []
        # When set (e.g. "451 4.3.0 Try again later"), every message is refused with this reply.
        self.reply = None
        # {address: reply}: RCPT TO for these addresses is refused ("550 5.1.1 No such user").
        self.recipient_replies = {}
        # When set to n, the server closes each connection after accepting n messages on it.
        self.drop_after = None
        # Called with each arriving message (a Received) before it is answered, in a thread of its own.
        self.on_message = None
        # One entry per SMTP session (connection) that said EHLO.
        self.sessions = []
        self._accepted_in = {}
        self._controller = None

    @property
    def running(self):
        return self._controller is not None

    def start(self):
        self._controller = Controller(_Handler(self), hostname="127.0.0.1", port=self.port)
        self._controller.start()

    def stop(self):
        if self._controller is not None:
            self._controller.stop()
            self._controller = None

    @property
    def connections(self):
        """How many connections the server has seen (since the start or the last `clear`)."""
        return len(self.sessions)

    def refuse_recipient(self, address, reply="550 5.1.1 No such user here"):
        self.recipient_replies[address] = reply

    def to(self, address):
        """The messages received for `address`, in order."""
        return [item for item in self.received if address in item.rcpt_tos]

    def clear(self):
        self.received.clear()
        self.sessions.clear()
        self._accepted_in.clear()
