"""Printable 催缴通知书 (arrears notice) per unit in arrears."""
