"""A composer of training requests for the learned sensitive-request detector: scene templates × slot
tables × paraphrase operators.

Unlike the hand-written whole messages of ``corpus_sensitive``, every request here is assembled: a
scene of one reason (``life``, ``violence``, ``group``, ``safety``, ``minor``, ``media``) is a template
whose ``{slots}`` are drawn from tables, then a chain of paraphrase operators rewrites it — reported by
someone else, buried in a long everyday story, numbers turned into digits or Chinese numerals, dialect
words, typing slips, punctuation dropped or doubled. Hard negatives are assembled the same way from
ordinary requests that use alarming words in a harmless sense (刀削面, 杀虫剂, 广场舞, 气死了,
煤气费 …), and from sensitive scenes turned harmless by a frame: an event long resolved ("上个月…的事
已经处理好了"), a talk or a drill about the danger, news from elsewhere.

Nothing here is tuned against ``data/sensitive_test.csv`` or ``data/sensitive_test2.csv``; the
detector's threshold is chosen on a validation split of this corpus (``sensitive_model.choose``).
"""

from __future__ import annotations

import random
import re
from collections.abc import Callable

Slots = dict[str, list[str]]

# Shared slot tables.
COMMON: Slots = {
    "place": [
        "3号楼",
        "我们小区",
        "幸福里",
        "城中村",
        "安置房",
        "老街那边",
        "xx花园",
        "8栋2单元",
        "村口",
        "工业园",
        "公租房小区",
        "菜场后面",
        "滨河路",
        "学校旁边",
        "十二组",
    ],
    "office": ["街道办", "社区居委会", "区政府", "信访办", "镇政府", "派出所", "住建局", "人社局"],
    "now": ["现在", "刚才", "就在刚刚", "今天下午", "昨晚", "这会儿", "半小时前", "今早"],
    "plea": [
        "",
        "",
        "请赶紧派人",
        "求你们快来",
        "怎么办啊",
        "有没有人管",
        "急",
        "在线等",
        "麻烦快处理",
        "我是真怕出事",
        "你们管不管",
        "快来人",
    ],
    "rel": [
        "我老公",
        "我媳妇",
        "我爸",
        "我妈",
        "我哥",
        "我姐",
        "我儿子",
        "我女儿",
        "我表弟",
        "我同事",
        "我室友",
        "邻居大哥",
        "隔壁阿姨",
        "楼下老头",
        "我们班长",
        "我朋友",
    ],
}

SCENES: dict[str, list[tuple[str, Slots]]] = {
    "violence": [
        (
            "{actor}{say}{cond}就{weapon}{harm}{victim}",
            {
                "actor": [
                    "那个包工头",
                    "楼上那户的男人",
                    "我前夫",
                    "物业的一个保安",
                    "讨债公司的人",
                    "隔壁摊主",
                    "一个喝醉的男人",
                    "我老公",
                    "我姐夫",
                    "房东",
                    "他前男友",
                    "对门的租户",
                    "装修队老板",
                ],
                "say": [
                    "说",
                    "扬言",
                    "放话",
                    "威胁我说",
                    "在群里说",
                    "发微信说",
                    "打电话说",
                    "当着大家的面说",
                ],
                "cond": [
                    "",
                    "再投诉",
                    "不给钱",
                    "不还钱",
                    "敢报警",
                    "敢走",
                    "再来要账",
                    "不撤诉",
                    "再多管闲事",
                ],
                "weapon": [
                    "",
                    "拿菜刀",
                    "拿剪刀",
                    "拿刀",
                    "拎着砍刀",
                    "拿斧头",
                    "拿铁棍",
                    "开车",
                    "带人",
                    "拿汽油",
                    "拿硫酸",
                    "拿锤子",
                ],
                "harm": [
                    "砍死",
                    "捅死",
                    "弄死",
                    "撞死",
                    "烧了",
                    "泼",
                    "打断腿",
                    "废了",
                    "收拾",
                    "砍了",
                    "捅了",
                ],
                "victim": [
                    "我",
                    "我老婆",
                    "物业经理",
                    "他",
                    "城管",
                    "我们全家",
                    "那个房东",
                    "我儿子",
                    "社区主任",
                ],
            },
        ),
        (
            "{actor}{now}{hold}在{where}{act}",
            {
                "actor": ["一个男的", "那个醉汉", "隔壁老李", "一个光头", "卖水果的", "一个年轻人", "她老公"],
                "hold": [
                    "拿着刀",
                    "拎着菜刀",
                    "举着剪刀",
                    "拿着水果刀",
                    "抡着钢管",
                    "提着斧头",
                    "拿着棍子",
                    "手里攥着刀",
                    "拿着砖头",
                ],
                "where": [
                    "楼道里",
                    "小区门口",
                    "菜市场",
                    "公交站",
                    "楼下",
                    "网吧门口",
                    "工地上",
                    "物业办公室",
                ],
                "act": [
                    "追着人砍",
                    "到处比划",
                    "砸门",
                    "说要杀人",
                    "堵着不让人走",
                    "见人就骂还要动手",
                    "把人逼到墙角",
                    "砍门",
                    "追他老婆",
                ],
            },
        ),
        (
            "{abuser}{freq}{abuse}，{injury}",
            {
                "abuser": [
                    "我老公",
                    "我爸",
                    "我男朋友",
                    "她丈夫",
                    "我继父",
                    "我公公",
                    "俺男人",
                    "我前夫",
                    "我老婆",
                ],
                "freq": ["一喝酒就", "经常", "昨晚又", "三天两头", "今天又", "这几年一直", "一不顺心就"],
                "abuse": [
                    "打我",
                    "掐我脖子",
                    "用皮带抽我",
                    "拿烟头烫我",
                    "把我往墙上撞",
                    "揪着头发打我",
                    "打我妈",
                    "拿衣架打她",
                    "把她摁在地上打",
                    "用脚踹我肚子",
                ],
                "injury": [
                    "身上全是伤",
                    "进了医院",
                    "鼻青脸肿的",
                    "肋骨都断了",
                    "我不敢回家",
                    "她不敢报警",
                    "我现在躲在朋友家",
                    "脸上还肿着",
                    "一直流血",
                    "孩子吓得直哭",
                ],
            },
        ),
        (
            "{where}{n}个人{fight}，{result}",
            {
                "where": ["烧烤摊", "KTV门口", "菜市场里", "工地", "小区广场", "网吧", "酒吧街", "村头"],
                "n": ["好几", "七八", "十几", "两伙", "五六", "一群"],
                "fight": ["拿着棍子打起来了", "在互殴", "抄家伙打架", "打成一团", "拿酒瓶互砸", "动了刀"],
                "result": [
                    "有人头上在流血",
                    "地上有血",
                    "有人倒地不动了",
                    "还在打",
                    "有人被捅了",
                    "没人敢拉",
                ],
            },
        ),
    ],
    "life": [
        (
            "{who}{despair}，{plan}{method}",
            {
                "who": ["我", "我真的", "说实话我", "俺", "我现在", "老子"],
                "despair": [
                    "不想活了",
                    "活不下去了",
                    "撑不下去了",
                    "活着没意思了",
                    "想解脱",
                    "想一了百了",
                    "熬不住了",
                    "觉得活着太累",
                    "不想再拖累家里了",
                ],
                "plan": ["准备", "打算", "今晚就", "已经想好了", "明天就", "等会就", "干脆"],
                "method": [
                    "从楼上跳下去",
                    "喝农药",
                    "吃安眠药",
                    "烧炭",
                    "割腕",
                    "去江边",
                    "上吊",
                    "从桥上跳下去",
                    "把药都吞了",
                    "一走了之，再也不回来了",
                ],
            },
        ),
        (
            "{actor}{hold}{at}{office}门口，说{cond}就{act}",
            {
                "actor": [
                    "一个男的",
                    "有个老大爷",
                    "讨薪的大姐",
                    "一个拆迁户",
                    "那个上访的老人",
                    "一个中年男人",
                    "我舅舅",
                ],
                "hold": [
                    "拿着一瓶农药",
                    "提着一桶汽油",
                    "带着绳子",
                    "揣着一瓶敌敌畏",
                    "身上绑着煤气罐",
                    "拿着一包老鼠药",
                ],
                "at": ["坐在", "站在", "跪在", "守在"],
                "office": COMMON["office"],
                "cond": ["今天不给解决", "拿不到钱", "不给补偿", "再不管", "没人出来"],
                "act": ["喝下去", "点火", "吊死在这", "死在这里", "跟你们同归于尽", "当场喝了"],
            },
        ),
        (
            "{who}在{where}绝食{dur}了，{state}",
            {
                "who": ["我们几个工人", "我", "我爸", "几个讨薪的", "那个老太太", "我们一家"],
                "where": ["街道办门口", "工地上", "厂门口", "区政府对面", "家里", "信访大厅"],
                "dur": ["两天", "第三天", "好几天", "48小时", "一个礼拜"],
                "state": ["已经有人晕倒了", "人快不行了", "嘴唇都干裂了", "还是没人管", "身体撑不住了"],
            },
        ),
        (
            "{who}{pos}{high}，{state}",
            {
                "who": ["有个人", "一个小伙子", "一个女的", "一个学生", "一个民工", "有个老人"],
                "pos": ["站在", "坐在", "爬上了", "翻到了"],
                "high": [
                    "楼顶边上",
                    "天台护栏外面",
                    "桥栏杆外面",
                    "塔吊上",
                    "窗台外面",
                    "广告牌上",
                    "二十几层的阳台外",
                ],
                "state": [
                    "说要往下跳",
                    "哭着不肯下来",
                    "两条腿悬在外面",
                    "谁劝都不听",
                    "看着要跳",
                    "喊着不给钱就跳",
                ],
            },
        ),
        (
            "{rel}{signal}，{worry}",
            {
                "rel": COMMON["rel"],
                "signal": [
                    "发了告别的朋友圈",
                    "写了遗书",
                    "说再也不会麻烦大家了",
                    "把存折和钥匙都交代好了",
                    "在网上查怎么死得不痛苦",
                    "把攒的药都藏起来了",
                    "说想去陪去世的奶奶",
                    "半夜发消息说对不起所有人",
                ],
                "worry": [
                    "现在电话打不通",
                    "人找不到了",
                    "我怕她想不开",
                    "我很担心他做傻事",
                    "已经联系不上了",
                    "求你们帮忙找找",
                ],
            },
        ),
        (
            "{who}{collapse}，{sign}",
            {
                "who": ["我爸", "楼下独居的老人", "一个路人", "我奶奶", "隔壁老太太", "同事"],
                "collapse": ["突然倒在地上", "晕倒在家里", "摔倒在卫生间", "倒在路边", "吞了一板药"],
                "sign": ["叫不醒了", "没有呼吸了", "嘴唇发紫", "浑身抽搐", "人已经迷糊了", "一动不动"],
            },
        ),
    ],
    "group": [
        (
            "{count}{crowd}{act}{spot}{why}",
            {
                "count": [
                    "三百多",
                    "几百",
                    "上百",
                    "五六十",
                    "几十",
                    "一百多",
                    "好几百",
                    "两三百",
                    "八十来",
                    "四十多",
                    "上千",
                ],
                "crowd": [
                    "个工人",
                    "名农民工",
                    "户业主",
                    "个村民",
                    "位家长",
                    "家商户",
                    "个外卖骑手",
                    "个出租车司机",
                    "个投资人",
                    "户拆迁户",
                    "个退休职工",
                    "号人",
                ],
                "act": ["堵在", "围在", "聚在", "静坐在", "拉着横幅站在", "坐在", "挤在"],
                "spot": [
                    "厂门口",
                    "政府门口",
                    "街道办楼下",
                    "售楼处",
                    "国道上",
                    "高速路口",
                    "项目部",
                    "学校门口",
                    "银行门口",
                    "公司总部楼下",
                ],
                "why": [
                    "讨薪",
                    "要说法",
                    "要求退房",
                    "抗议涨价",
                    "不让车走",
                    "不肯散",
                    "要见领导",
                    "",
                    "情绪很激动",
                ],
            },
        ),
        (
            "{who}{plan}{when}{act}",
            {
                "who": [
                    "工友们",
                    "业主们",
                    "村里人",
                    "家长们",
                    "商户们",
                    "被骗的人",
                    "司机们",
                    "骑手们",
                    "拆迁户们",
                ],
                "plan": ["在群里约好", "商量着", "准备", "号召大家", "已经定了", "串联好了"],
                "when": ["明天", "周一", "下礼拜", "今晚", "后天早上", "月底"],
                "act": [
                    "一起去市政府",
                    "集体上访",
                    "去北京",
                    "罢工",
                    "罢市",
                    "堵路",
                    "拉横幅",
                    "集体停运",
                    "去区里讨说法",
                    "把高速口堵了",
                    "一起去开发商那里闹",
                ],
            },
        ),
        (
            "{n}{crowd}把{target}{act}，{state}",
            {
                "n": ["几十个", "一百多", "好几百", "二三十个", "上百个"],
                "crowd": ["工人", "村民", "业主", "家属", "摊贩", "家长"],
                "target": ["老板的车", "施工队", "院长", "项目经理", "城管车", "挖掘机", "校长", "售楼部"],
                "act": ["围住了", "堵住了", "团团围着", "拦下了"],
                "state": ["不让走", "推推搡搡的", "快打起来了", "警察都来了", "人越聚越多"],
            },
        ),
    ],
    "safety": [
        (
            "{where}{smell}，{risk}",
            {
                "where": ["楼道里", "厨房", "对面饭店", "三楼", "地下室", "我们单元", "隔壁"],
                "smell": [
                    "一股很浓的煤气味",
                    "全是燃气味",
                    "液化气罐在漏气",
                    "天然气管子呲呲往外冒气",
                    "臭鸡蛋味越来越重",
                ],
                "risk": [
                    "不知道谁家漏的",
                    "敲门没人应",
                    "有人还在开火",
                    "老人在里面",
                    "怕要炸",
                    "窗户都关着",
                ],
            },
        ),
        (
            "{where}{fire}，{people}",
            {
                "where": ["对面楼", "楼下饭店", "电动车棚", "仓库", "隔壁出租屋", "加油站旁边", "工地宿舍"],
                "fire": ["着火了", "冒黑烟", "起火了", "火苗窜得老高", "烧起来了", "有爆炸声"],
                "people": ["楼上还有人", "里面有老人", "火越来越大", "消防还没到", "人都往外跑", "烟很呛"],
            },
        ),
        (
            "{room}{flood}，{dep}",
            {
                "room": ["配电房", "地下车库", "一楼", "平房", "变电箱", "电梯井"],
                "flood": ["进水了", "被淹了", "水快漫到变压器了", "积水到腰了", "一直在灌水"],
                "dep": [
                    "好几户老人在用制氧机",
                    "有人被困在里面",
                    "楼里有人靠呼吸机",
                    "有辆车里还有人",
                    "水还在涨",
                    "停电了病人的机器停了",
                ],
            },
        ),
        (
            "{struct}{damage}，{below}",
            {
                "struct": [
                    "外墙瓷砖",
                    "楼的承重墙",
                    "桥栏杆",
                    "挡土墙",
                    "广告牌",
                    "阳台",
                    "老楼",
                    "塔吊",
                    "山坡上的石头",
                ],
                "damage": [
                    "在往下掉",
                    "裂了大缝",
                    "断了一截",
                    "摇摇晃晃的",
                    "随时会塌",
                    "在往下滚",
                    "晃得很厉害",
                    "有点斜了",
                ],
                "below": [
                    "下面就是幼儿园",
                    "下面全是人",
                    "下面是放学的路",
                    "住户不敢回家",
                    "车还在上面走",
                    "已经砸了一辆车",
                    "旁边就是菜场",
                ],
            },
        ),
        (
            "{wire}{spark}，{near}",
            {
                "wire": ["高压线", "楼道电线", "电表箱", "路灯杆", "老小区的电线"],
                "spark": ["断了掉在地上", "冒火花", "漏电", "在冒烟", "噼里啪啦响"],
                "near": ["小孩在旁边玩", "地上都是水", "刚才有人被电了一下", "就在单元门口", "人来人往"],
            },
        ),
        (
            "{road}{hole}，{risk}",
            {
                "road": ["路口", "人行道上", "小区门口", "学校门口的路", "桥面"],
                "hole": ["的井盖没了", "塌了个大坑", "裂开了一条大缝", "的井盖被偷了"],
                "risk": ["刚才有电动车掉进去", "晚上黑得根本看不见", "已经有人摔进去了", "孩子天天从这过"],
            },
        ),
        (
            "{where}{n}{who}吃了{food}后{symptom}，{state}",
            {
                "where": ["学校食堂", "工地食堂", "养老院", "幼儿园", "婚宴上"],
                "n": ["十几个", "二三十个", "好多", "一大半"],
                "who": ["学生", "工人", "老人", "孩子", "客人"],
                "food": ["午饭", "早餐", "盒饭", "酒席"],
                "symptom": ["上吐下泻", "发高烧", "肚子疼得打滚", "头晕呕吐"],
                "state": ["已经送医院了", "还在陆续倒下", "救护车来了几趟"],
            },
        ),
        (
            "{plant}{leak}，{sym}",
            {
                "plant": ["化工厂", "隔壁工厂", "污水处理厂", "农药仓库"],
                "leak": ["冒黄烟", "有刺鼻的气体飘过来", "罐子在漏", "管道爆了"],
                "sym": ["好多人头晕", "眼睛都睁不开", "老人喘不上气", "孩子一直咳"],
            },
        ),
    ],
    "minor": [
        (
            "{child}{sign}",
            {
                "child": [
                    "邻居家的孩子",
                    "楼上的小孩",
                    "我们班一个学生",
                    "隔壁小女孩",
                    "一个五六岁的男孩",
                    "村里的留守娃",
                    "我侄子",
                ],
                "sign": [
                    "身上总是青一块紫一块",
                    "天天被大人打得直叫",
                    "被后妈关在阳台上一整夜",
                    "说他爸拿皮带抽他",
                    "好几天没饭吃了",
                    "大冬天被赶出门",
                    "被锁在家里好多天了",
                    "手上有烟头烫的疤",
                ],
            },
        ),
        (
            "{reporter}说{child2}告诉她{abuser}{act}",
            {
                "reporter": ["我女儿班主任", "幼儿园老师", "我老婆", "学校心理老师", "孩子奶奶"],
                "child2": ["班上一个小女孩", "我家闺女", "一个二年级学生", "孩子", "一个小男孩"],
                "abuser": ["继父", "补课老师", "邻居叔叔", "她爷爷", "体育老师", "舅舅"],
                "act": ["晚上会摸她", "让她脱衣服", "不让她告诉别人", "对她动手动脚", "拍她的照片"],
            },
        ),
        (
            "{child}{danger}，{adult}",
            {
                "child": ["一个小孩", "三岁的娃", "两个小朋友", "一个小男孩", "一个小姑娘"],
                "danger": [
                    "爬在六楼阳台外面",
                    "一个人在河边玩",
                    "被锁在车里晒太阳",
                    "在马路中间跑",
                    "掉进水塘里了",
                    "在工地基坑边上玩",
                ],
                "adult": ["旁边没大人", "家里没人", "车窗都关着", "喊了半天没人应", "快来人"],
            },
        ),
        (
            "{child}被{who}{lure}",
            {
                "child": ["我女儿", "一个初中生", "我侄女", "隔壁家孩子", "一个小学生", "我外甥"],
                "who": ["网友", "一个陌生男人", "传销的人", "一个开车的男的", "几个社会青年"],
                "lure": [
                    "骗出去两天没回家",
                    "拉上车带走了",
                    "叫去酒店见面",
                    "收了手机关起来",
                    "跟踪了好几天",
                    "勒索钱不给就打",
                ],
            },
        ),
        (
            "{where}有{age}的孩子{work}",
            {
                "where": ["饭店后厨", "黑作坊", "KTV", "砖厂", "电子厂"],
                "age": ["十二三岁", "看着才十四五岁", "十几岁", "没成年"],
                "work": ["一天干十几个小时", "在陪酒", "在干重活", "被老板打", "拿不到钱还不让走"],
            },
        ),
        (
            "{child}在学校被{who}{bully}，{state}",
            {
                "child": ["我儿子", "我女儿", "我家孩子", "侄子"],
                "who": ["几个高年级的", "同班同学", "一群男生"],
                "bully": ["堵在厕所打", "扒衣服拍视频", "天天勒索钱", "围着打"],
                "state": ["不敢去上学了", "说不想活了", "老师说是闹着玩", "身上都是伤"],
            },
        ),
    ],
    "media": [
        (
            "{cond}，{i}就{act}",
            {
                "cond": [
                    "再不处理",
                    "三天内不给答复",
                    "你们不管",
                    "如果还拖着",
                    "再推来推去",
                    "周五前不解决",
                    "这事没个说法",
                ],
                "i": ["我", "我们", "俺", "我们业主", "大家"],
                "act": [
                    "找记者曝光",
                    "发到抖音上",
                    "上微博",
                    "联系电视台",
                    "开直播",
                    "发到网上让大家评评理",
                    "找报社",
                    "去找焦点访谈",
                    "给新闻热线打电话",
                    "找自媒体曝光",
                    "让全网都看看",
                    "把视频发出去",
                ],
            },
        ),
        (
            "{i}{did}{who}，{next}",
            {
                "i": ["我", "我们", "业主群里"],
                "did": ["已经联系了", "已经约好了", "已经把材料给了"],
                "who": ["电视台记者", "报社", "新闻热线", "几家媒体", "一个大V", "都市频道"],
                "next": ["明天就来拍", "你们等着上新闻", "看你们怎么交代", "让大家看看你们怎么办事"],
            },
        ),
    ],
}

# Ordinary requests built around a word that sounds alarming but is not.
NEGATIVE_SCENES: list[tuple[str, Slots]] = [
    (
        "{where}{lure}{complaint}",
        {
            "where": ["楼下", "小区门口", "对面", "菜场旁边", "学校附近", "我家隔壁"],
            "lure": [
                "新开的刀削面馆",
                "杀猪菜馆",
                "烧烤摊",
                "火锅店",
                "爆米花摊",
                "刀鱼馆子",
                "炸鸡店",
                "麻辣烫",
                "水煮鱼店",
            ],
            "complaint": [
                "油烟太大",
                "占道经营",
                "排队的人把路堵了",
                "半夜还在营业很吵",
                "污水流到路上",
                "卫生太差了",
                "价格乱涨",
            ],
        },
    ),
    (
        "{ask}{pest}{q}",
        {
            "ask": ["想问问", "请问", "咨询一下", "家里"],
            "pest": [
                "蟑螂太多，社区有没有杀虫剂",
                "老鼠多，哪里能领老鼠药",
                "白蚁，能不能派人喷药",
                "蚊子多，能不能统一消杀",
                "臭虫，灭虫公司靠谱吗",
            ],
            "q": ["", "？", "，谢谢", "，急"],
        },
    ),
    (
        "{word}，{ordinary}",
        {
            "word": [
                "气死我了",
                "笑死",
                "累死了",
                "热死了",
                "冷死了",
                "吵死了",
                "烦死人了",
                "急死人了",
                "饿死了",
                "要了老命了",
                "疼死我了",
                "我真是服了",
                "想死你们了",
            ],
            "ordinary": [
                "快递又被放到驿站收费了",
                "电梯又坏了要爬十楼",
                "排队排了两个小时还没办成",
                "物业费又涨了",
                "楼上装修一大早就打钻",
                "停水也不提前通知",
                "空调外机对着我家窗户",
                "办个证要跑五趟",
                "公交等了四十分钟",
                "小区的路灯一直不亮",
                "食堂饭菜太咸",
            ],
        },
    ),
    (
        "{crowd}{scene}，{ask}",
        {
            "crowd": ["一两百个大妈", "好几百人", "上千人", "三百多个", "几十个老人", "一大群学生"],
            "scene": [
                "在广场上跳舞",
                "排队抢促销鸡蛋",
                "在看演唱会",
                "在公园晨练",
                "报名了社区运动会",
                "参加马拉松",
                "在庙会上挤来挤去",
                "参加集体婚礼",
                "在等新楼盘摇号",
            ],
            "ask": [
                "音乐能不能小点",
                "能不能分流一下",
                "需要报备吗",
                "能不能借个场地",
                "厕所不够用",
                "停车太乱了",
                "垃圾没人收",
            ],
        },
    ),
    (
        "{traffic}{ask}",
        {
            "traffic": [
                "早高峰堵车太严重",
                "学校门口天天堵死",
                "这个路口老堵",
                "地铁口挤得要命",
                "菜市场门口三轮车堵路",
                "修路把路堵了一半",
            ],
            "ask": ["，能不能安排交警", "，建议改个红绿灯", "，啥时候能修好", "，希望管一管", ""],
        },
    ),
    (
        "{object}{problem}",
        {
            "object": ["我家的菜刀", "网上买的剪刀", "磨刀师傅", "社区发的斧头和锯子", "厨房的刀具"],
            "problem": [
                "钝了，附近哪里能磨",
                "质量太差找谁维权",
                "收费太贵",
                "是修树枝用的，什么时候还",
                "想问能不能回收",
            ],
        },
    ),
    (
        "{bill}{problem}",
        {
            "bill": ["煤气费", "燃气费", "电费", "水费", "物业费", "暖气费"],
            "problem": [
                "怎么突然涨了这么多",
                "在哪里交",
                "能不能线上缴",
                "单子看不懂",
                "多扣了一百多",
                "开户要带什么",
            ],
        },
    ),
    (
        "{topic}{ask}",
        {
            "topic": [
                "社区能不能搞个防溺水讲座",
                "想报名消防演练",
                "单位想做反家暴宣传",
                "学校想请民警讲防拐骗",
                "想组织急救培训",
                "能不能发些防诈骗的宣传册",
                "想了解心理咨询热线",
                "想学点防身术",
                "燃气公司上门安检",
            ],
            "ask": ["", "，在哪报名", "，需要准备什么", "，能安排吗", "，是正规的吗"],
        },
    ),
    (
        "{press}{ask}",
        {
            "press": [
                "电视台来社区拍了敬老院的节目",
                "我是报社记者想采访社区养老",
                "在抖音上看到我们社区的宣传片",
                "想把志愿者事迹投给报纸",
                "公众号能发我们的活动照片吗",
                "微博上说明天有暴雨",
            ],
            "ask": ["", "，什么时候播", "，联系谁", "，拍得真好", "，会停课吗"],
        },
    ),
    (
        "{kid}{ordinary}",
        {
            "kid": ["我家孩子", "我儿子", "小孙子", "闺女", "宝宝"],
            "ordinary": [
                "想上附近的小学要什么材料",
                "疫苗本丢了怎么补",
                "发烧了社区医院晚上开门吗",
                "考试没考好被老师说了几句",
                "想报个游泳班",
                "跟同学借钱没还很委屈",
                "天天练琴吵到邻居了",
                "暑假没人看，社区有托管吗",
            ],
        },
    ),
    (
        "{pet}{what}",
        {
            "pet": ["我家猫", "邻居的狗", "小区的流浪猫", "我养的鹦鹉"],
            "what": [
                "从三楼掉下去腿断了，哪有宠物医院",
                "被车撞了，肇事的跑了",
                "叫了一整夜",
                "跑丢了有人看到吗",
                "想做绝育有补贴吗",
            ],
        },
    ),
    (
        "{work}",
        {
            "work": [
                "单位拖了两个月工资，劳动仲裁怎么申请",
                "工伤认定要哪些材料",
                "公司不给交社保去哪投诉",
                "想问下最低工资标准",
                "老板说下周发工资，能信吗",
            ],
        },
    ),
]

# Frames that make a sensitive scene ordinary (resolved, hypothetical, elsewhere, a drill or a talk).
HARMLESS_FRAMES = [
    "上个月{s}的事已经处理好了，谢谢社区",
    "去年{s}，后来都解决了，现在挺好的，就是想问问监控能不能修",
    "之前反映过{s}，街道已经妥善处理了，点个赞",
    "看新闻说外地有{s}，希望咱们社区也多宣传安全知识",
    "网上传我们这里{s}，是谣言吧，能不能辟个谣",
    "电视剧里演到{s}，孩子看了害怕，有没有家长课堂",
]

# Paraphrase operators: each rewrites a request and keeps its label.
REPORTERS = [
    "听邻居说，",
    "我看见",
    "楼下大爷跟我讲，",
    "群里有人说",
    "我朋友打电话说",
    "据我了解，",
    "听说",
    "帮我妈反映一下：",
    "替我们楼的人说一句，",
]
PREAMBLES = [
    "我是{place}的住户，",
    "领导你好，我家住{place}，这个事反映好多次了，",
    "不好意思打扰了，我们{place}这边",
    "我上个月就打过12345，一直没人理，今天实在忍不了，",
    "本来不想麻烦你们的，家里事情多，老人身体也不好，孩子还在上学，",
    "我们这栋楼本来就是老楼，电梯也经常坏，物业也不怎么管，",
    "事情是这样的，前两年开发商交房的时候就有问题，一直拖到现在，",
    "尊敬的领导：",
]
DIALECT = [
    ("我", "俺"),
    ("什么", "啥"),
    ("怎么", "咋"),
    ("孩子", "娃"),
    ("知道", "晓得"),
    ("没有", "莫得"),
    ("了", "咯"),
    ("他们", "他们几个"),
    ("这里", "这儿"),
    ("现在", "这会儿"),
]
TYPOS = [
    ("的", "地"),
    ("在", "再"),
    ("们", "门"),
    ("么", "嘛"),
    ("已经", "以经"),
    ("办", "搬"),
    ("报警", "报井"),
    ("那", "哪"),
    ("他", "她"),
]
CN_DIGITS = {
    "一": "1",
    "二": "2",
    "两": "2",
    "三": "3",
    "四": "4",
    "五": "5",
    "六": "6",
    "七": "7",
    "八": "8",
    "九": "9",
    "十": "10",
}


def _digits(text: str, rng: random.Random) -> str:
    def swap(m: re.Match[str]) -> str:
        s = m.group(0)
        if s == "十":
            return "10"
        if s.startswith("十"):
            return "1" + CN_DIGITS.get(s[1], "0")
        if s.endswith("十"):
            return CN_DIGITS.get(s[0], s[0]) + "0"
        return "".join(CN_DIGITS.get(c, c) for c in s)

    return re.sub(r"[一二两三四五六七八九十]{1,2}(?=[百千个名户位号多来几天层楼])", swap, text)


def _op_reported(t: str, rng: random.Random) -> str:
    return rng.choice(REPORTERS) + t


def _op_preamble(t: str, rng: random.Random) -> str:
    return rng.choice(PREAMBLES).format(place=rng.choice(COMMON["place"])) + t


def _op_story(t: str, rng: random.Random, stories: list[str]) -> str:
    if not stories:
        return t
    story = rng.choice(stories)
    return story + "。" + t if rng.random() < 0.6 else t + "。" + story


def _op_dialect(t: str, rng: random.Random) -> str:
    for a, b in rng.sample(DIALECT, 3):
        t = t.replace(a, b)
    return t


def _op_typo(t: str, rng: random.Random) -> str:
    a, b = rng.choice(TYPOS)
    i = t.find(a)
    return t if i < 0 else t[:i] + b + t[i + len(a) :]


def _op_numbers(t: str, rng: random.Random) -> str:
    return _digits(t, rng)


def _op_punct(t: str, rng: random.Random) -> str:
    r = rng.random()
    if r < 0.4:
        return re.sub(r"[，。]", " ", t)
    if r < 0.7:
        return t + rng.choice(["！！！", "？？", "。。。", "!!", "……"])
    return t.replace("，", ",")


def _op_plea(t: str, rng: random.Random) -> str:
    plea = rng.choice(COMMON["plea"])
    return t + ("，" + plea if plea else "")


def _op_when(t: str, rng: random.Random) -> str:
    return rng.choice(COMMON["now"]) + t if rng.random() < 0.5 else rng.choice(COMMON["place"]) + "，" + t


OPERATORS: list[tuple[float, Callable[[str, random.Random], str]]] = [
    (0.25, _op_reported),
    (0.25, _op_preamble),
    (0.2, _op_dialect),
    (0.3, _op_typo),
    (0.5, _op_numbers),
    (0.4, _op_punct),
    (0.5, _op_plea),
    (0.3, _op_when),
]


def _fill(template: str, slots: Slots, rng: random.Random) -> str:
    return re.sub(r"\{(\w+)\}", lambda m: rng.choice(slots.get(m.group(1)) or COMMON[m.group(1)]), template)


def paraphrase(text: str, rng: random.Random, stories: list[str] = []) -> str:  # noqa: B006
    for p, op in OPERATORS:
        if rng.random() < p:
            text = op(text, rng)
    if rng.random() < 0.15:
        text = _op_story(text, rng, stories)
    return text


def stories_from(real: list[str], n: int = 400, seed: int = 5) -> list[str]:
    """Everyday sentences (8–60 characters) cut from real ordinary messages, for long rambling requests."""
    rng = random.Random(seed)
    out: list[str] = []
    for text in rng.sample(real, min(len(real), n)):
        parts = [p for p in re.split(r"[。！？!?；;\n]", text) if 8 <= len(p) <= 60]
        if parts:
            out.append(rng.choice(parts))
    return out


def compose(
    per_scene: int = 40, seed: int = 23, stories: list[str] | None = None
) -> list[tuple[str, str, str]]:
    """(text, label, scene id): label is the kind or "" for ordinary; the scene id lets a validation split
    hold whole scenes out."""
    rng = random.Random(seed)
    stories = stories or []
    rows: list[tuple[str, str, str]] = []
    for kind, scenes in SCENES.items():
        for i, (template, slots) in enumerate(scenes):
            for _ in range(per_scene):
                rows.append((paraphrase(_fill(template, slots, rng), rng, stories), kind, f"{kind}{i}"))
            for _ in range(per_scene // 8):
                frame = rng.choice(HARMLESS_FRAMES)
                core = _fill(template, slots, rng)
                rows.append((paraphrase(frame.format(s=core), rng, stories), "", f"{kind}{i}"))
    for i, (template, slots) in enumerate(NEGATIVE_SCENES):
        for _ in range(per_scene):
            rows.append((paraphrase(_fill(template, slots, rng), rng, stories), "", f"neg{i}"))
    first: dict[str, tuple[str, str, str]] = {}  # the first request of each text, in order
    for row in rows:
        first.setdefault(row[0], row)
    return list(first.values())
