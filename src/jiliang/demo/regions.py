"""Regions used by the demo: real GB/T 2260 codes and names (source_status unverified: not checked
against the official edition here). The enterprises, institutions and instruments placed in them are
synthetic."""

ZHEJIANG = {
    "330000": ("浙江省", "Zhejiang"),
    "330100": ("杭州市", "Hangzhou"), "330102": ("上城区", "Shangcheng"), "330105": ("拱墅区", "Gongshu"),
    "330106": ("西湖区", "Xihu"), "330108": ("滨江区", "Binjiang"),
    "330200": ("宁波市", "Ningbo"), "330203": ("海曙区", "Haishu"), "330205": ("江北区", "Jiangbei"),
    "330206": ("北仑区", "Beilun"),
    "330300": ("温州市", "Wenzhou"), "330302": ("鹿城区", "Lucheng"), "330303": ("龙湾区", "Longwan"),
    "330304": ("瓯海区", "Ouhai"),
    "330400": ("嘉兴市", "Jiaxing"), "330402": ("南湖区", "Nanhu"), "330411": ("秀洲区", "Xiuzhou"),
    "330500": ("湖州市", "Huzhou"), "330502": ("吴兴区", "Wuxing"), "330503": ("南浔区", "Nanxun"),
    "330600": ("绍兴市", "Shaoxing"), "330602": ("越城区", "Yuecheng"), "330603": ("柯桥区", "Keqiao"),
    "330700": ("金华市", "Jinhua"), "330702": ("婺城区", "Wucheng"), "330703": ("金东区", "Jindong"),
    "330800": ("衢州市", "Quzhou"), "330802": ("柯城区", "Kecheng"), "330803": ("衢江区", "Qujiang"),
    "330900": ("舟山市", "Zhoushan"), "330902": ("定海区", "Dinghai"), "330903": ("普陀区", "Putuo"),
    "331000": ("台州市", "Taizhou"), "331002": ("椒江区", "Jiaojiang"), "331003": ("黄岩区", "Huangyan"),
    "331004": ("路桥区", "Luqiao"),
    "331100": ("丽水市", "Lishui"), "331102": ("莲都区", "Liandu"),
}

# a second province, so that access between provinces is exercised
JIANGSU = {
    "320000": ("江苏省", "Jiangsu"),
    "320100": ("南京市", "Nanjing"), "320102": ("玄武区", "Xuanwu"), "320105": ("建邺区", "Jianye"),
    "320500": ("苏州市", "Suzhou"), "320505": ("虎丘区", "Huqiu"), "320506": ("吴中区", "Wuzhong"),
}


def all_regions() -> list[dict[str, object]]:
    out: list[dict[str, object]] = []
    for table in (ZHEJIANG, JIANGSU):
        for code, (zh, en) in table.items():
            out.append({"code": code, "name_zh": zh, "name_en": en, "source_status": "unverified"})
    return out


def counties() -> list[str]:
    return [c for c in (*ZHEJIANG, *JIANGSU) if c[4:] != "00"]
