"""Death: payments stop, overpayments recovered (追回), death benefits paid once."""
