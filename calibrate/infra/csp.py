"""The Content Security Policy of every page, and the one relaxation two pages need.

Everything is served locally; no inline scripts or styles.  The statistics page
(SVG downloads: svgcanvas parses a chart's font through a style attribute) and
the API documentation page (Swagger UI sets style attributes) may use inline
style *attributes* only: they cannot run code, and every page still refuses
inline scripts and <style> elements.
"""

CONTENT_SECURITY_POLICY = {
    "default-src": "'self'",
    "img-src": ["'self'", "data:"],
    "style-src": "'self'",
    "script-src": "'self'",
    "object-src": "'none'",
    "base-uri": "'self'",
    "frame-ancestors": "'none'",
    "form-action": "'self'",
}

STYLE_ATTRIBUTES_ALLOWED = CONTENT_SECURITY_POLICY | {"style-src-attr": "'unsafe-inline'"}
