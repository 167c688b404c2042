"""Drop duplicated inline <script> blocks from every page.

Sphinx 7.4 adds an inline script that an extension registers after the builder starts twice (once as
filename None, once as ''): sphinx-thebe's `const THEBE_JS_URL = ...` is then declared twice and every
page logs "SyntaxError: Identifier 'THEBE_JS_URL' has already been declared".
"""


def _dedupe(app, pagename, templatename, context, doctree):
    scripts = context.get("script_files")
    if not scripts:
        return
    seen, keep = set(), []
    for js in scripts:
        key = (js.filename or "", js.priority, tuple(sorted(js.attributes.items())))
        if key not in seen:
            seen.add(key)
            keep.append(js)
    scripts[:] = keep


def setup(app):
    app.connect("html-page-context", _dedupe, priority=900)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
