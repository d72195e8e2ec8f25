"""Survival certification (资格认证): records, the daily suspension job, the lists."""
