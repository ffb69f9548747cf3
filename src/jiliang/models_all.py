"""Import every area's models so that the metadata is complete (for migrations and tests)."""

from jiliang.instruments import models as instruments_models  # noqa: F401
from jiliang.organisations import models as organisations_models  # noqa: F401
from jiliang.platform import models as platform_models  # noqa: F401
from jiliang.platform.db import Base

metadata = Base.metadata
