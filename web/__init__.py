"""Web plumbing both faces share: templates, i18n, sessions, security headers, error pages, flashes."""
