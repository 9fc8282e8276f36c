"""The closed lists of roles. Everything that checks a role names one of these."""

from __future__ import annotations

from enum import StrEnum


class StaffRole(StrEnum):
    SALES = "sales"
    SALES_MANAGER = "sales_manager"
    CUSTOMER_SERVICE = "customer_service"
    PMC = "pmc"
    WAREHOUSE = "warehouse"
    QC = "qc"
    LOGISTICS = "logistics"
    BILLING = "billing"
    AFTER_SALES = "after_sales"
    ADMIN = "admin"


class CustomerRole(StrEnum):
    BUYER = "buyer"
    QC_ENGINEER = "qc_engineer"
