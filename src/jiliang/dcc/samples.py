"""A realistic example certificate (for tests, the benchmark and documentation), all data fictitious."""

from __future__ import annotations

import datetime as dt

from jiliang.dcc.content import (
    CertificateContent,
    Customer,
    EnvironmentCondition,
    Institution,
    Instrument,
    Procedure,
    ResultRow,
    Signer,
    StandardUsed,
    Supersedes,
)


def sample_content(
    *,
    number: str = "ZJJL2026-J0001",
    kind: str = "verification_certificate",
    revision: int = 0,
    issued_on: dt.date = dt.date(2026, 11, 20),
) -> CertificateContent:
    """A verification of a digital indicating scale (JJG 539-2016) with three test points.

    ``kind="verification_result_notice"`` gives the failed variant, ``"calibration_certificate"`` a
    calibration of a pressure gauge; ``revision > 0`` supersedes the previous revision.
    """
    signed = dt.datetime.combine(issued_on, dt.time(9, 30), tzinfo=dt.UTC)
    signers = (
        Signer("verifier", "张伟", signed - dt.timedelta(hours=20)),
        Signer("checker", "李娜", signed - dt.timedelta(hours=2)),
        Signer("approver", "王强", signed),
    )
    institution = Institution(
        name="浙江省计量科学研究院（示例）",
        credit_code="12330000470000000X",
        address="浙江省杭州市西湖区示例路 1 号",
        authorisation_no="(国)法计(2026)01001号",
        phone="0571-00000000",
    )
    customer = Customer(name="杭州示例超市有限公司", address="浙江省杭州市上城区示例街 8 号")
    supersedes = Supersedes(number, revision - 1, reason="客户地址录入错误") if revision > 0 else None
    env = (
        EnvironmentCondition("温度", "20.5", "℃"),
        EnvironmentCondition("相对湿度", "55", "%"),
    )
    if kind == "calibration_certificate":
        return CertificateContent(
            number=number,
            kind=kind,
            revision=revision,
            supersedes=supersedes,
            issued_on=issued_on,
            performed_on=issued_on - dt.timedelta(days=2),
            received_on=issued_on - dt.timedelta(days=5),
            valid_until=issued_on + dt.timedelta(days=365),
            institution=institution,
            customer=customer,
            instrument=Instrument(
                name="一般压力表",
                catalogue_item="压力表",
                manufacturer="示例仪表厂",
                model="Y-100",
                serial_number="P2025-0318",
                identification_code="330100-PG-000318",
                measuring_range="(0～1.6) MPa",
                accuracy_class="1.6级",
            ),
            procedure=Procedure("JJG 52-2013", "弹性元件式一般压力表、压力真空表和真空表检定规程"),
            location="本院压力实验室",
            environment=env,
            standards=(
                StandardUsed(
                    "活塞式压力计",
                    "[2019]浙量标法证字第 001 号",
                    "YL2026-0101",
                    dt.date(2027, 3, 31),
                    "0.05级",
                ),
            ),
            results=tuple(
                ResultRow(
                    quantity=f"压力 {p} MPa",
                    unit="MPa",
                    nominal=p,
                    measured=m,
                    error=e,
                    expanded_uncertainty="0.0016",
                    coverage_factor="2",
                )
                for p, m, e in (
                    ("0.400", "0.402", "0.002"),
                    ("0.800", "0.799", "-0.001"),
                    ("1.200", "1.203", "0.003"),
                )
            ),
            signers=signers,
            verdict=None,
            public_url=f"https://jiliang.example.cn/public/certificates/{number}",
        )
    failed = kind == "verification_result_notice"
    rows = (
        ("称量 100 g", "0.100", "0.100", "0.000", "0.005", "pass"),
        ("称量 10 kg", "10.000", "10.005", "0.005", "0.010", "pass"),
        (
            "称量 30 kg",
            "30.000",
            "30.025" if failed else "30.010",
            "0.025" if failed else "0.010",
            "0.015",
            "fail" if failed else "pass",
        ),
    )
    return CertificateContent(
        number=number,
        kind=kind,
        revision=revision,
        supersedes=supersedes,
        issued_on=issued_on,
        performed_on=issued_on - dt.timedelta(days=1),
        received_on=issued_on - dt.timedelta(days=3),
        valid_until=None if failed else issued_on + dt.timedelta(days=364),
        institution=institution,
        customer=customer,
        instrument=Instrument(
            name="电子计价秤",
            catalogue_item="电子计价秤",
            manufacturer="示例衡器有限公司",
            model="ACS-30",
            serial_number="S2025-11-0042",
            identification_code="330102-ACS-000042",
            measuring_range="Max 30 kg, e = 5 g/10 g",
            accuracy_class="Ⅲ级",
        ),
        procedure=Procedure("JJG 539-2016", "数字指示秤检定规程"),
        location="客户现场",
        performance_location="customer",
        environment=env,
        standards=(
            StandardUsed(
                "F1 级砝码组 (1 mg～10 kg)",
                "[2020]浙量标法证字第 017 号",
                "ZL2026-0456",
                dt.date(2027, 5, 31),
                "F1级",
            ),
            StandardUsed(
                "M1 级砝码 20 kg", "[2020]浙量标法证字第 018 号", "ZL2026-0457", dt.date(2027, 5, 31), "M1级"
            ),
        ),
        results=tuple(
            ResultRow(
                quantity=q,
                unit="kg",
                nominal=n,
                measured=m,
                error=e,
                mpe=mpe,
                decision=d,
                expanded_uncertainty="0.0012",
                coverage_factor="2",
            )
            for q, n, m, e, mpe, d in rows
        ),
        signers=signers,
        verdict="fail" if failed else "pass",
        verdict_reasons=("30 kg 称量点示值误差超出最大允许误差 ±15 g",) if failed else (),
        public_url=f"https://jiliang.example.cn/public/certificates/{number}",
    )
