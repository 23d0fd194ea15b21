"""The policy parameters (POLICY *(param)*): each parameter's values by the date they apply from, never edited in
place once a run has used them.

models.py     ParameterValue (app label subsidies: subsidies/models.py imports it, migrations and pghistory
              events unchanged)
services.py   parameter_set (the one write, audited) and parameter_timeline (the dated values the rules read)
selectors.py  the parameters page's timelines
forms.py      the page's form and the parameters' names as people know them
views.py      the parameters page
api.py        the read-only API
The rules themselves (defaults, validation, the timeline type) are pure: subsidies/rules/params.py.
"""
