"""The operator console and the applicant pages: server-rendered HTML (Jinja2) over the same
services and views as the JSON API, charts drawn in the browser from locally served assets."""
