"""Imports every area's models so the metadata (and Alembic) sees all tables."""

from patronage.customers.models import (
    AuditEntry,
    ColumnPreference,
    Customer,
    CustomerCount,
    CustomerStore,
    CustomerTag,
    SavedView,
)
from patronage.db import Base
from patronage.duplicates.models import DuplicateDismissal, DuplicatePair, DuplicateScan
from patronage.events.models import Activity, Order, OrderLine, Sample
from patronage.imports.models import Import
from patronage.merges.models import CustomerRedirect, Merge, MergedKey
from patronage.reports.models import RepActivity, RepCustomerCount, RepCustomerDay, RepDay
from patronage.settings_lists.models import LicenseType, PaymentTerm, Status, Store
from patronage.storefront.models import SettingChange, WorkspaceSettings
from patronage.tenancy.models import ApiToken, Tenant, User

__all__ = [
    "Activity", "ApiToken", "AuditEntry", "Base", "ColumnPreference", "Customer",
    "CustomerCount", "CustomerRedirect", "CustomerStore", "CustomerTag", "DuplicateDismissal",
    "DuplicatePair", "DuplicateScan", "Import", "LicenseType", "Merge", "MergedKey", "Order",
    "OrderLine", "PaymentTerm", "RepActivity", "RepCustomerCount", "RepCustomerDay",
    "RepDay", "Sample", "SavedView", "SettingChange", "Status", "Store", "Tenant", "User",
    "WorkspaceSettings",
]
