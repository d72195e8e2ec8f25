"""Death reports (死亡报告): a clerk's entry takes effect on a second person's approval."""
