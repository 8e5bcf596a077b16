"""Pure output formats: check findings (JSON, SARIF, Markdown), scan rows, store records as
JSON, the upgrade plan, and the Jinja2 environment over the templates."""
