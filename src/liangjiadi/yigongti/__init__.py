"""县域医共体 (seeds/003): budget 以收定支, monthly disbursement with 域外 deductions, year-end
clearing, the annex assessment indicators and monitoring. docs/yigongti.md."""
