"""Verification and calibration work: measurement standards, work orders, records, electronic signatures."""
