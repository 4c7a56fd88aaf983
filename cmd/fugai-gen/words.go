package main

import "math/rand/v2"

// The vocabularies and weights below follow the 344 rows of the sample
// export (shared/samples/registration-gbk.csv); weights are per mille.

// choice is one value of a weighted vocabulary.
type choice struct {
	value  string
	weight int
}

// table is a weighted vocabulary ready for drawing.
type table struct {
	choices []choice
	total   int
}

func newTable(cs ...choice) table {
	t := table{choices: cs}
	for _, c := range cs {
		t.total += c.weight
	}
	return t
}

// pick draws one value with probability weight/total.
func (t table) pick(r *rand.Rand) string {
	n := r.IntN(t.total)
	for _, c := range t.choices {
		if n < c.weight {
			return c.value
		}
		n -= c.weight
	}
	return t.choices[len(t.choices)-1].value
}

// Entity types (市场主体类型). The four public ones (全民所有制, 集体所有制,
// 国有独资, 国有控股) make up 2.7 %.
const (
	typeSole        = "个人独资企业"
	typePartnership = "普通合伙企业"
	typeJointStock  = "股份有限公司（非上市、自然人投资或控股）"
)

var entityTypes = newTable(
	choice{"有限责任公司（自然人投资或控股）", 311},
	choice{"有限责任公司（自然人独资）", 215},
	choice{typePartnership, 102},
	choice{"有限责任公司（外商投资企业法人独资）", 96},
	choice{"有限责任公司（台港澳与境内合资）", 87},
	choice{typeSole, 81},
	choice{typeJointStock, 81},
	choice{"全民所有制", 12},
	choice{"有限责任公司（国有控股）", 9},
	choice{"集体所有制", 3},
	choice{"有限责任公司（国有独资）", 3},
)

// activity ties a trade word of the name to its industry (所属行业) and
// business scope (经营范围).
type activity struct {
	word, industry, scope string
	weight                int
}

var activities = []activity{
	{"机械制造", "制造业", "机械设备、零部件的制造与销售", 41},
	{"农业开发", "农、林、牧、渔业", "农作物种植、水产养殖、农产品销售", 38},
	{"网络科技", "信息传输、软件和信息技术服务业", "软件开发、信息系统集成服务", 36},
	{"食品", "制造业", "食品生产、加工、销售", 29},
	{"新材料科技", "制造业", "新型建筑材料研发、生产与销售", 28},
	{"房地产开发", "房地产业", "房地产开发经营、物业管理", 28},
	{"商贸", "批发和零售业", "日用百货、五金交电、建材的批发和零售", 28},
	{"餐饮管理", "住宿和餐饮业", "餐饮服务、酒店管理", 26},
	{"医药连锁", "批发和零售业", "药品、医疗器械零售", 25},
	{"建设工程", "建筑业", "房屋建筑工程、市政公用工程施工", 24},
	{"物流", "交通运输、仓储和邮政业", "普通货物道路运输、仓储服务", 23},
	{"企业管理咨询", "租赁和商务服务业", "企业管理咨询、会议及展览服务", 18},
}

// activityTotal is the sum of the activities' weights.
var activityTotal = func() int {
	n := 0
	for _, a := range activities {
		n += a.weight
	}
	return n
}()

func pickActivity(r *rand.Rand) *activity {
	n := r.IntN(activityTotal)
	for i := range activities {
		if n < activities[i].weight {
			return &activities[i]
		}
		n -= activities[i].weight
	}
	return &activities[len(activities)-1]
}

// tradeChars make up the two-character trade names (字号) such as 鑫宁.
var tradeChars = []rune("鑫宁安楚兴诚泰博远富德昌华隆源恒康润银顺丰宏嘉利旺金湘潇达盛祥鸿瑞信永创")

var surnames = []rune("王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦方白邹孟熊秦邱江尹薛段雷侯龙史陶黎贺顾毛龚邵万严覃武戴莫孔向汤")

var givenChars = []rune("伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超兰霞平刚桂华建国玉萍红鹏辉林云峰浩宇晨凯雪梅成荣飞亮波海志新琳")

// Registered capital (注册资本（万元）): an amount in 万元, written bare in two
// rows of three, otherwise with 万元人民币 or 万.
var capitalAmounts = []string{"10", "30.5", "50", "100", "200", "300", "500", "1000", "2000", "5000"}

var capitalSuffixes = newTable(
	choice{"", 670},
	choice{"万元人民币", 200},
	choice{"万", 130},
)

// Registration status (登记状态): 3 % deregistered or revoked.
var statuses = newTable(
	choice{"存续（在营、开业、在册）", 470},
	choice{"开业", 250},
	choice{"在业", 250},
	choice{"注销", 22},
	choice{"吊销，未注销", 8},
)

// Registration authorities (登记机关); the city bureau registers 13.7 % and
// its codes carry the city's area code 431100.
const (
	authorityDistrict = "永州市冷水滩区市场监督管理局"
	authorityCity     = "永州市市场监督管理局"
	areaDistrict      = "431103"
	areaCity          = "431100"
)

// roads are the district's roads used in street addresses. None contains a
// township's or a place's name with its suffix.
var roads = []string{"滨江路", "珊瑚路", "零陵北路", "零陵中路", "零陵南路", "梧桐路", "盘龙路", "凤凰路", "育才路", "逸云路", "七里店路", "湘永路"}

// otherDistrictRoads are roads of 零陵区, the neighbouring district.
var otherDistrictRoads = []string{"萍洲路", "南津中路"}
