"""The 附录4 questionnaire (anonymous, one-time codes, results for the province) and the
分组/政策建议 collected from institutions (seeds/001 §六(六)-(七), 附录4, 附录1 三)."""
