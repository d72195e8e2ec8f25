"""Income tax withheld on the annuity: lump sums, the tax report, a person's payments."""
