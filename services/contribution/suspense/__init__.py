"""待查明款项: bank receipt lines naming no unit, held until a clerk resolves them."""
