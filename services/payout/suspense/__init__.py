"""待查明款项: bank results for references the agency does not know, until a clerk resolves them."""
