"""Why / why not: each service month of a researcher explained from the rule the runs use
(subsidies.rules.stipend.stipend_month_verdict), and each payout line read as a decision letter.

wording.py  the plain-Chinese sentences, one wording for pages, PDF and API (pure)
months.py   the month-by-month answer for one person (pure)
letter.py   a payout line's explanation as a decision letter (pure)
lines.py    a payout line's stored explanation in words: the appendix PDF's reasons, and the words for its codes
            that the run page, the letter and the appendix share (pure)
selectors.py  the reads, scoped by the actor
rd_years.py   the year-by-year answer for a centre's YC-RD award, from rd_award.rd_due and its conditions (pure)
eligibility.py  grant eligibility, each condition held or not, from rules.grants.centre_conditions (pure wording)
centre_selectors.py  the reads for those two, for a centre or application the caller has scoped
api.py        the API bodies of the answers and of a payout line's letter (routes live on their viewsets)
"""
