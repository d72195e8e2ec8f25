"""The system's own actors in payout's audit log: who acts where no person does."""

from shared.data.work import SystemActor

BANK = SystemActor("system:bank")  # what a bank's results set off
LEDGER = SystemActor("system:ledger")  # settlements
PAYROLL = SystemActor("system:payroll")  # runs, their offsets, the estate's payments
DEATH = SystemActor("system:person.deceased")
RETIRED = SystemActor("system:person.retired")
WITHDRAWN = SystemActor("system:person.withdrawn")
