"""The survivor of payout's money matrix."""

SURVIVOR = {
    "survivor_name": "钱小",
    "survivor_citizen_id": "330522198501011233",
    "relationship": "子女",
    "bank_code": "PSBC",
    "account_number": "6221889900001111",
}
