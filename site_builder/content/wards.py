"""Yokohama's 18 wards, by the ids the content contract uses."""

WARDS: dict[str, str] = {
    "tsurumi": "鶴見区",
    "kanagawa": "神奈川区",
    "nishi": "西区",
    "naka": "中区",
    "minami": "南区",
    "konan": "港南区",
    "hodogaya": "保土ケ谷区",
    "asahi": "旭区",
    "isogo": "磯子区",
    "kanazawa": "金沢区",
    "kohoku": "港北区",
    "midori": "緑区",
    "aoba": "青葉区",
    "tsuzuki": "都筑区",
    "totsuka": "戸塚区",
    "sakae": "栄区",
    "izumi": "泉区",
    "seya": "瀬谷区",
}
CITYWIDE = "citywide"
AREA_NAMES: dict[str, str] = {**WARDS, CITYWIDE: "市内全域"}
