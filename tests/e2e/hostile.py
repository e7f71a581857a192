"""Hostile inputs for the browser: each one, if it ever ran, would set `window.__xss` and open a dialog.

A corpus of the shapes that broke sanitizers before (DESIGN.md §6): raw HTML
and event handlers, `javascript:` links in every spelling Markdown accepts,
SVG/MathML namespace confusion, comments, `noscript`/`template`/`style`
parsing differentials. Other suites may import it.
"""

RUN = "window.__xss=1;alert(document.domain)"

PAYLOADS = (
    f"<script>{RUN}</script>",
    f'<img src=x onerror="{RUN}">',
    f'<svg onload="{RUN}"></svg>',
    f"<svg><script>{RUN}</script></svg>",
    f'<math><mtext><table><mglyph><style><img src=x onerror="{RUN}">',
    '<iframe srcdoc="<script>parent.__xss=1;parent.alert(1)</script>"></iframe>',
    f'<details open ontoggle="{RUN}">details</details>',
    f'<input autofocus onfocus="{RUN}">',
    f'<a href="javascript:{RUN}">raw link</a>',
    f"[markdown link](javascript:{RUN})",
    f"[mixed case](JaVaScRiPt:{RUN})",
    f"[entity](&#106;avascript:{RUN})",
    f"[colon entity](javascript&#58;{RUN})",
    "[data uri](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)",
    "[vbscript](vbscript:msgbox(1))",
    f"[separator](\u2028javascript:{RUN})",
    f"<javascript:{RUN}>",
    f'![image](x" onerror="{RUN})',
    f'<noscript><p title="</noscript><img src=x onerror={RUN}>">',
    f"<!--><img src=x onerror={RUN}>-->",
    f"<template><img src=x onerror={RUN}></template>",
    f'<form><button formaction="javascript:{RUN}">send</button></form>',
    f'<div style="background:url(javascript:{RUN})">styled</div>',
    f"`<img src=x onerror={RUN}>` and ```\n<script>{RUN}</script>\n```",
    f'<object data="javascript:{RUN}"></object><embed src="javascript:{RUN}">',
    f'[title attr](https://example.org "x\\" onmouseover=\\"{RUN}")',
)

# A thread title is plain text: it must show literally, never as markup.
HOSTILE_TITLE = f'<img src=x onerror="{RUN}"> title'
