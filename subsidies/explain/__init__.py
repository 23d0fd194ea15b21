"""Why / why not (issue 16): each service month of a researcher explained from the rule the runs use
(subsidies.rules.stipend.stipend_month_verdict), and each payout line read as a decision letter.

wording.py  the plain-Chinese sentences, one wording for pages, PDF and API (pure)
months.py   the month-by-month answer for one person (pure)
letter.py   a payout line's explanation as a decision letter (pure)
selectors.py  the reads, scoped by the actor
"""
