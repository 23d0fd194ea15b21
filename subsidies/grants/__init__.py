"""Grants, YC-RD declarations, NX-PERF evaluations, Yinchuan incubators and 免申即享 (benefits without
asking). Reads live here (`selectors`); writes in `services` (and subsidies.declarations)."""
