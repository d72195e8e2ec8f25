"""Monthly collection plans (征缴计划)."""
