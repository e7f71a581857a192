"""A real SMTP server for the tests: aiosmtpd on a free loopback port.

It keeps every message it accepts (parsed, with its envelope), can refuse the
next messages with a chosen reply ("451 …" temporary, "550 …" permanent), and
can be stopped and started again on the same port to play an outage.
"""

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

    async def handle_DATA(self, smtp_server, session, envelope):
        if self.server.reply is not None:
            return self.server.reply
        message = email.message_from_bytes(envelope.content, policy=email.policy.default)
        self.server.received.append(Received(envelope.mail_from, list(envelope.rcpt_tos), message))
        return "250 Message accepted for delivery"


class SMTPServer:
    def __init__(self):
        self.port = _free_port()
        self.received = []
        # When set (e.g. "451 4.3.0 Try again later"), every message is refused with this reply.
        self.reply = None
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

    def to(self, address):
        """The messages received for `address`, in order."""
        return [item for item in self.received if address in item.rcpt_tos]

    def clear(self):
        self.received.clear()
