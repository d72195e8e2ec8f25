"""The roster of units and persons kept from enrollment events."""
