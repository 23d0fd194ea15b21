"""Budget projection and what-if costing (POLICY §4): what on-time monthly runs would pay,
computed by the runs' own rule (subsidies.rules.stipend) over the runs' own reads (subsidies.selectors),
writing nothing."""
