"""批量接管: retirees taken over from a vendor system's file, checked and approved as a batch."""
