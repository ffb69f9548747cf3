"""Legal units: public converter and checker, and unit-usage special inspections (法定计量单位使用专项检查)."""
