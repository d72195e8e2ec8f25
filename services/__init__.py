"""The four back-office services; none imports another."""
