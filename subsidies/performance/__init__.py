"""Centre performance (POLICY §2 NX-PERF): the annual performance report (年度绩效报告), the
three-yearly comprehensive evaluation (综合绩效评估) that feeds NX-PERF, and the bureau's statistics."""
