"""Objections (异议申诉): an enterprise objects to a payout line, a month not paid, a filing or
grant decision or a YC-RD verification; the bureau responsible for the rule answers within N working days
(param objection.answer_working_days, Chinese public holidays and 调休 working weekends from the reference
data in HolidayDay, maintained by staff); an overdue objection is escalated to a second reviewer.

The holiday reference data lives here, not in registry: the answer deadline is its only reader, and a new
package keeps the change apart from parallel work (documented choice).

models.py (imported from subsidies.models), workdays.py (pure), services.py (writes), selectors.py (reads),
api.py + api_urls.py (DRF), views.py + urls.py (HTML), tasks.py (Celery beat: reminders and escalation)."""
