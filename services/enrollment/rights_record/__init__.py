"""Personal rights record (个人权益记录): a yearly statement per person."""
