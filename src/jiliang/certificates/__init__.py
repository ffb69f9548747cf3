"""Certificates (检定证书 / 检定结果通知书 / 校准证书): issuing, numbering, revisions, public verification, import."""
