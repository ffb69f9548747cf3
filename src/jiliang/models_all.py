"""Import every area's models so that the metadata is complete (for migrations and tests)."""

from jiliang.campaigns import models as campaigns_models  # noqa: F401
from jiliang.certificates import models as certificates_models  # noqa: F401
from jiliang.comparisons import models as comparisons_models  # noqa: F401
from jiliang.credit import models as credit_models  # noqa: F401
from jiliang.dcc import models as dcc_models  # noqa: F401
from jiliang.instruments import models as instruments_models  # noqa: F401
from jiliang.netcontent_inspections import models as netcontent_inspections_models  # noqa: F401
from jiliang.organisations import models as organisations_models  # noqa: F401
from jiliang.platform import models as platform_models  # noqa: F401
from jiliang.platform.db import Base
from jiliang.uncertainty_budgets import models as uncertainty_budgets_models  # noqa: F401
from jiliang.unit_inspections import models as unit_inspections_models  # noqa: F401
from jiliang.verification import models as verification_models  # noqa: F401

metadata = Base.metadata
