//===- parse/Template.cpp - Django template parser ------------------------===//
//
// A C++ port of the parts of Django 3.2 that turn template source into a node
// tree: the Lexer (tag_re, verbatim handling), Token.split_contents
// (smart_split plus `_("...")` joining), FilterExpression (filter_re,
// Variable), token_kwargs, the smart `if` parser, and the compile functions
// of the built-in tags and of the i18n, static, cache, l10n and tz
// libraries. Django raises at the first error; this parser records it and
// goes on, so that one template yields every error and a best-effort tree.
//
// Python's `re` works on code points with Unicode `\s`, `\w` and `\d`; the
// tables below reproduce those classes on UTF-8 bytes (bytes that are not
// valid UTF-8 count as one non-space, non-word character each).
//
//===----------------------------------------------------------------------===//

#include "parse/Template.h"

#include <algorithm>
#include <cassert>
#include <exception>
#include <iterator>
#include <limits>
#include <type_traits>
#include <unordered_map>
#include <unordered_set>

namespace nplus1::parse::tpl {
namespace {

//===----------------------------------------------------------------------===//
// Characters
//===----------------------------------------------------------------------===//

/// An inclusive range of code points.
struct CodePointRange {
  uint32_t First, Last;
};

// Non-ASCII code points matched by Python 3.11's `re` `\w` and `\d` (Unicode
// 14.0), generated with:
//   [c for c in range(0x80, 0x110000) if re.match(r'\w', chr(c))]
// and the same for r'\d', folded into ranges.
constexpr CodePointRange WordRanges[] = {
    {0xAA, 0xAA},       {0xB2, 0xB3},       {0xB5, 0xB5},       {0xB9, 0xBA},
    {0xBC, 0xBE},       {0xC0, 0xD6},       {0xD8, 0xF6},       {0xF8, 0x2C1},
    {0x2C6, 0x2D1},     {0x2E0, 0x2E4},     {0x2EC, 0x2EC},     {0x2EE, 0x2EE},
    {0x370, 0x374},     {0x376, 0x377},     {0x37A, 0x37D},     {0x37F, 0x37F},
    {0x386, 0x386},     {0x388, 0x38A},     {0x38C, 0x38C},     {0x38E, 0x3A1},
    {0x3A3, 0x3F5},     {0x3F7, 0x481},     {0x48A, 0x52F},     {0x531, 0x556},
    {0x559, 0x559},     {0x560, 0x588},     {0x5D0, 0x5EA},     {0x5EF, 0x5F2},
    {0x620, 0x64A},     {0x660, 0x669},     {0x66E, 0x66F},     {0x671, 0x6D3},
    {0x6D5, 0x6D5},     {0x6E5, 0x6E6},     {0x6EE, 0x6FC},     {0x6FF, 0x6FF},
    {0x710, 0x710},     {0x712, 0x72F},     {0x74D, 0x7A5},     {0x7B1, 0x7B1},
    {0x7C0, 0x7EA},     {0x7F4, 0x7F5},     {0x7FA, 0x7FA},     {0x800, 0x815},
    {0x81A, 0x81A},     {0x824, 0x824},     {0x828, 0x828},     {0x840, 0x858},
    {0x860, 0x86A},     {0x870, 0x887},     {0x889, 0x88E},     {0x8A0, 0x8C9},
    {0x904, 0x939},     {0x93D, 0x93D},     {0x950, 0x950},     {0x958, 0x961},
    {0x966, 0x96F},     {0x971, 0x980},     {0x985, 0x98C},     {0x98F, 0x990},
    {0x993, 0x9A8},     {0x9AA, 0x9B0},     {0x9B2, 0x9B2},     {0x9B6, 0x9B9},
    {0x9BD, 0x9BD},     {0x9CE, 0x9CE},     {0x9DC, 0x9DD},     {0x9DF, 0x9E1},
    {0x9E6, 0x9F1},     {0x9F4, 0x9F9},     {0x9FC, 0x9FC},     {0xA05, 0xA0A},
    {0xA0F, 0xA10},     {0xA13, 0xA28},     {0xA2A, 0xA30},     {0xA32, 0xA33},
    {0xA35, 0xA36},     {0xA38, 0xA39},     {0xA59, 0xA5C},     {0xA5E, 0xA5E},
    {0xA66, 0xA6F},     {0xA72, 0xA74},     {0xA85, 0xA8D},     {0xA8F, 0xA91},
    {0xA93, 0xAA8},     {0xAAA, 0xAB0},     {0xAB2, 0xAB3},     {0xAB5, 0xAB9},
    {0xABD, 0xABD},     {0xAD0, 0xAD0},     {0xAE0, 0xAE1},     {0xAE6, 0xAEF},
    {0xAF9, 0xAF9},     {0xB05, 0xB0C},     {0xB0F, 0xB10},     {0xB13, 0xB28},
    {0xB2A, 0xB30},     {0xB32, 0xB33},     {0xB35, 0xB39},     {0xB3D, 0xB3D},
    {0xB5C, 0xB5D},     {0xB5F, 0xB61},     {0xB66, 0xB6F},     {0xB71, 0xB77},
    {0xB83, 0xB83},     {0xB85, 0xB8A},     {0xB8E, 0xB90},     {0xB92, 0xB95},
    {0xB99, 0xB9A},     {0xB9C, 0xB9C},     {0xB9E, 0xB9F},     {0xBA3, 0xBA4},
    {0xBA8, 0xBAA},     {0xBAE, 0xBB9},     {0xBD0, 0xBD0},     {0xBE6, 0xBF2},
    {0xC05, 0xC0C},     {0xC0E, 0xC10},     {0xC12, 0xC28},     {0xC2A, 0xC39},
    {0xC3D, 0xC3D},     {0xC58, 0xC5A},     {0xC5D, 0xC5D},     {0xC60, 0xC61},
    {0xC66, 0xC6F},     {0xC78, 0xC7E},     {0xC80, 0xC80},     {0xC85, 0xC8C},
    {0xC8E, 0xC90},     {0xC92, 0xCA8},     {0xCAA, 0xCB3},     {0xCB5, 0xCB9},
    {0xCBD, 0xCBD},     {0xCDD, 0xCDE},     {0xCE0, 0xCE1},     {0xCE6, 0xCEF},
    {0xCF1, 0xCF2},     {0xD04, 0xD0C},     {0xD0E, 0xD10},     {0xD12, 0xD3A},
    {0xD3D, 0xD3D},     {0xD4E, 0xD4E},     {0xD54, 0xD56},     {0xD58, 0xD61},
    {0xD66, 0xD78},     {0xD7A, 0xD7F},     {0xD85, 0xD96},     {0xD9A, 0xDB1},
    {0xDB3, 0xDBB},     {0xDBD, 0xDBD},     {0xDC0, 0xDC6},     {0xDE6, 0xDEF},
    {0xE01, 0xE30},     {0xE32, 0xE33},     {0xE40, 0xE46},     {0xE50, 0xE59},
    {0xE81, 0xE82},     {0xE84, 0xE84},     {0xE86, 0xE8A},     {0xE8C, 0xEA3},
    {0xEA5, 0xEA5},     {0xEA7, 0xEB0},     {0xEB2, 0xEB3},     {0xEBD, 0xEBD},
    {0xEC0, 0xEC4},     {0xEC6, 0xEC6},     {0xED0, 0xED9},     {0xEDC, 0xEDF},
    {0xF00, 0xF00},     {0xF20, 0xF33},     {0xF40, 0xF47},     {0xF49, 0xF6C},
    {0xF88, 0xF8C},     {0x1000, 0x102A},   {0x103F, 0x1049},   {0x1050, 0x1055},
    {0x105A, 0x105D},   {0x1061, 0x1061},   {0x1065, 0x1066},   {0x106E, 0x1070},
    {0x1075, 0x1081},   {0x108E, 0x108E},   {0x1090, 0x1099},   {0x10A0, 0x10C5},
    {0x10C7, 0x10C7},   {0x10CD, 0x10CD},   {0x10D0, 0x10FA},   {0x10FC, 0x1248},
    {0x124A, 0x124D},   {0x1250, 0x1256},   {0x1258, 0x1258},   {0x125A, 0x125D},
    {0x1260, 0x1288},   {0x128A, 0x128D},   {0x1290, 0x12B0},   {0x12B2, 0x12B5},
    {0x12B8, 0x12BE},   {0x12C0, 0x12C0},   {0x12C2, 0x12C5},   {0x12C8, 0x12D6},
    {0x12D8, 0x1310},   {0x1312, 0x1315},   {0x1318, 0x135A},   {0x1369, 0x137C},
    {0x1380, 0x138F},   {0x13A0, 0x13F5},   {0x13F8, 0x13FD},   {0x1401, 0x166C},
    {0x166F, 0x167F},   {0x1681, 0x169A},   {0x16A0, 0x16EA},   {0x16EE, 0x16F8},
    {0x1700, 0x1711},   {0x171F, 0x1731},   {0x1740, 0x1751},   {0x1760, 0x176C},
    {0x176E, 0x1770},   {0x1780, 0x17B3},   {0x17D7, 0x17D7},   {0x17DC, 0x17DC},
    {0x17E0, 0x17E9},   {0x17F0, 0x17F9},   {0x1810, 0x1819},   {0x1820, 0x1878},
    {0x1880, 0x1884},   {0x1887, 0x18A8},   {0x18AA, 0x18AA},   {0x18B0, 0x18F5},
    {0x1900, 0x191E},   {0x1946, 0x196D},   {0x1970, 0x1974},   {0x1980, 0x19AB},
    {0x19B0, 0x19C9},   {0x19D0, 0x19DA},   {0x1A00, 0x1A16},   {0x1A20, 0x1A54},
    {0x1A80, 0x1A89},   {0x1A90, 0x1A99},   {0x1AA7, 0x1AA7},   {0x1B05, 0x1B33},
    {0x1B45, 0x1B4C},   {0x1B50, 0x1B59},   {0x1B83, 0x1BA0},   {0x1BAE, 0x1BE5},
    {0x1C00, 0x1C23},   {0x1C40, 0x1C49},   {0x1C4D, 0x1C7D},   {0x1C80, 0x1C88},
    {0x1C90, 0x1CBA},   {0x1CBD, 0x1CBF},   {0x1CE9, 0x1CEC},   {0x1CEE, 0x1CF3},
    {0x1CF5, 0x1CF6},   {0x1CFA, 0x1CFA},   {0x1D00, 0x1DBF},   {0x1E00, 0x1F15},
    {0x1F18, 0x1F1D},   {0x1F20, 0x1F45},   {0x1F48, 0x1F4D},   {0x1F50, 0x1F57},
    {0x1F59, 0x1F59},   {0x1F5B, 0x1F5B},   {0x1F5D, 0x1F5D},   {0x1F5F, 0x1F7D},
    {0x1F80, 0x1FB4},   {0x1FB6, 0x1FBC},   {0x1FBE, 0x1FBE},   {0x1FC2, 0x1FC4},
    {0x1FC6, 0x1FCC},   {0x1FD0, 0x1FD3},   {0x1FD6, 0x1FDB},   {0x1FE0, 0x1FEC},
    {0x1FF2, 0x1FF4},   {0x1FF6, 0x1FFC},   {0x2070, 0x2071},   {0x2074, 0x2079},
    {0x207F, 0x2089},   {0x2090, 0x209C},   {0x2102, 0x2102},   {0x2107, 0x2107},
    {0x210A, 0x2113},   {0x2115, 0x2115},   {0x2119, 0x211D},   {0x2124, 0x2124},
    {0x2126, 0x2126},   {0x2128, 0x2128},   {0x212A, 0x212D},   {0x212F, 0x2139},
    {0x213C, 0x213F},   {0x2145, 0x2149},   {0x214E, 0x214E},   {0x2150, 0x2189},
    {0x2460, 0x249B},   {0x24EA, 0x24FF},   {0x2776, 0x2793},   {0x2C00, 0x2CE4},
    {0x2CEB, 0x2CEE},   {0x2CF2, 0x2CF3},   {0x2CFD, 0x2CFD},   {0x2D00, 0x2D25},
    {0x2D27, 0x2D27},   {0x2D2D, 0x2D2D},   {0x2D30, 0x2D67},   {0x2D6F, 0x2D6F},
    {0x2D80, 0x2D96},   {0x2DA0, 0x2DA6},   {0x2DA8, 0x2DAE},   {0x2DB0, 0x2DB6},
    {0x2DB8, 0x2DBE},   {0x2DC0, 0x2DC6},   {0x2DC8, 0x2DCE},   {0x2DD0, 0x2DD6},
    {0x2DD8, 0x2DDE},   {0x2E2F, 0x2E2F},   {0x3005, 0x3007},   {0x3021, 0x3029},
    {0x3031, 0x3035},   {0x3038, 0x303C},   {0x3041, 0x3096},   {0x309D, 0x309F},
    {0x30A1, 0x30FA},   {0x30FC, 0x30FF},   {0x3105, 0x312F},   {0x3131, 0x318E},
    {0x3192, 0x3195},   {0x31A0, 0x31BF},   {0x31F0, 0x31FF},   {0x3220, 0x3229},
    {0x3248, 0x324F},   {0x3251, 0x325F},   {0x3280, 0x3289},   {0x32B1, 0x32BF},
    {0x3400, 0x4DBF},   {0x4E00, 0xA48C},   {0xA4D0, 0xA4FD},   {0xA500, 0xA60C},
    {0xA610, 0xA62B},   {0xA640, 0xA66E},   {0xA67F, 0xA69D},   {0xA6A0, 0xA6EF},
    {0xA717, 0xA71F},   {0xA722, 0xA788},   {0xA78B, 0xA7CA},   {0xA7D0, 0xA7D1},
    {0xA7D3, 0xA7D3},   {0xA7D5, 0xA7D9},   {0xA7F2, 0xA801},   {0xA803, 0xA805},
    {0xA807, 0xA80A},   {0xA80C, 0xA822},   {0xA830, 0xA835},   {0xA840, 0xA873},
    {0xA882, 0xA8B3},   {0xA8D0, 0xA8D9},   {0xA8F2, 0xA8F7},   {0xA8FB, 0xA8FB},
    {0xA8FD, 0xA8FE},   {0xA900, 0xA925},   {0xA930, 0xA946},   {0xA960, 0xA97C},
    {0xA984, 0xA9B2},   {0xA9CF, 0xA9D9},   {0xA9E0, 0xA9E4},   {0xA9E6, 0xA9FE},
    {0xAA00, 0xAA28},   {0xAA40, 0xAA42},   {0xAA44, 0xAA4B},   {0xAA50, 0xAA59},
    {0xAA60, 0xAA76},   {0xAA7A, 0xAA7A},   {0xAA7E, 0xAAAF},   {0xAAB1, 0xAAB1},
    {0xAAB5, 0xAAB6},   {0xAAB9, 0xAABD},   {0xAAC0, 0xAAC0},   {0xAAC2, 0xAAC2},
    {0xAADB, 0xAADD},   {0xAAE0, 0xAAEA},   {0xAAF2, 0xAAF4},   {0xAB01, 0xAB06},
    {0xAB09, 0xAB0E},   {0xAB11, 0xAB16},   {0xAB20, 0xAB26},   {0xAB28, 0xAB2E},
    {0xAB30, 0xAB5A},   {0xAB5C, 0xAB69},   {0xAB70, 0xABE2},   {0xABF0, 0xABF9},
    {0xAC00, 0xD7A3},   {0xD7B0, 0xD7C6},   {0xD7CB, 0xD7FB},   {0xF900, 0xFA6D},
    {0xFA70, 0xFAD9},   {0xFB00, 0xFB06},   {0xFB13, 0xFB17},   {0xFB1D, 0xFB1D},
    {0xFB1F, 0xFB28},   {0xFB2A, 0xFB36},   {0xFB38, 0xFB3C},   {0xFB3E, 0xFB3E},
    {0xFB40, 0xFB41},   {0xFB43, 0xFB44},   {0xFB46, 0xFBB1},   {0xFBD3, 0xFD3D},
    {0xFD50, 0xFD8F},   {0xFD92, 0xFDC7},   {0xFDF0, 0xFDFB},   {0xFE70, 0xFE74},
    {0xFE76, 0xFEFC},   {0xFF10, 0xFF19},   {0xFF21, 0xFF3A},   {0xFF41, 0xFF5A},
    {0xFF66, 0xFFBE},   {0xFFC2, 0xFFC7},   {0xFFCA, 0xFFCF},   {0xFFD2, 0xFFD7},
    {0xFFDA, 0xFFDC},   {0x10000, 0x1000B}, {0x1000D, 0x10026}, {0x10028, 0x1003A},
    {0x1003C, 0x1003D}, {0x1003F, 0x1004D}, {0x10050, 0x1005D}, {0x10080, 0x100FA},
    {0x10107, 0x10133}, {0x10140, 0x10178}, {0x1018A, 0x1018B}, {0x10280, 0x1029C},
    {0x102A0, 0x102D0}, {0x102E1, 0x102FB}, {0x10300, 0x10323}, {0x1032D, 0x1034A},
    {0x10350, 0x10375}, {0x10380, 0x1039D}, {0x103A0, 0x103C3}, {0x103C8, 0x103CF},
    {0x103D1, 0x103D5}, {0x10400, 0x1049D}, {0x104A0, 0x104A9}, {0x104B0, 0x104D3},
    {0x104D8, 0x104FB}, {0x10500, 0x10527}, {0x10530, 0x10563}, {0x10570, 0x1057A},
    {0x1057C, 0x1058A}, {0x1058C, 0x10592}, {0x10594, 0x10595}, {0x10597, 0x105A1},
    {0x105A3, 0x105B1}, {0x105B3, 0x105B9}, {0x105BB, 0x105BC}, {0x10600, 0x10736},
    {0x10740, 0x10755}, {0x10760, 0x10767}, {0x10780, 0x10785}, {0x10787, 0x107B0},
    {0x107B2, 0x107BA}, {0x10800, 0x10805}, {0x10808, 0x10808}, {0x1080A, 0x10835},
    {0x10837, 0x10838}, {0x1083C, 0x1083C}, {0x1083F, 0x10855}, {0x10858, 0x10876},
    {0x10879, 0x1089E}, {0x108A7, 0x108AF}, {0x108E0, 0x108F2}, {0x108F4, 0x108F5},
    {0x108FB, 0x1091B}, {0x10920, 0x10939}, {0x10980, 0x109B7}, {0x109BC, 0x109CF},
    {0x109D2, 0x10A00}, {0x10A10, 0x10A13}, {0x10A15, 0x10A17}, {0x10A19, 0x10A35},
    {0x10A40, 0x10A48}, {0x10A60, 0x10A7E}, {0x10A80, 0x10A9F}, {0x10AC0, 0x10AC7},
    {0x10AC9, 0x10AE4}, {0x10AEB, 0x10AEF}, {0x10B00, 0x10B35}, {0x10B40, 0x10B55},
    {0x10B58, 0x10B72}, {0x10B78, 0x10B91}, {0x10BA9, 0x10BAF}, {0x10C00, 0x10C48},
    {0x10C80, 0x10CB2}, {0x10CC0, 0x10CF2}, {0x10CFA, 0x10D23}, {0x10D30, 0x10D39},
    {0x10E60, 0x10E7E}, {0x10E80, 0x10EA9}, {0x10EB0, 0x10EB1}, {0x10F00, 0x10F27},
    {0x10F30, 0x10F45}, {0x10F51, 0x10F54}, {0x10F70, 0x10F81}, {0x10FB0, 0x10FCB},
    {0x10FE0, 0x10FF6}, {0x11003, 0x11037}, {0x11052, 0x1106F}, {0x11071, 0x11072},
    {0x11075, 0x11075}, {0x11083, 0x110AF}, {0x110D0, 0x110E8}, {0x110F0, 0x110F9},
    {0x11103, 0x11126}, {0x11136, 0x1113F}, {0x11144, 0x11144}, {0x11147, 0x11147},
    {0x11150, 0x11172}, {0x11176, 0x11176}, {0x11183, 0x111B2}, {0x111C1, 0x111C4},
    {0x111D0, 0x111DA}, {0x111DC, 0x111DC}, {0x111E1, 0x111F4}, {0x11200, 0x11211},
    {0x11213, 0x1122B}, {0x11280, 0x11286}, {0x11288, 0x11288}, {0x1128A, 0x1128D},
    {0x1128F, 0x1129D}, {0x1129F, 0x112A8}, {0x112B0, 0x112DE}, {0x112F0, 0x112F9},
    {0x11305, 0x1130C}, {0x1130F, 0x11310}, {0x11313, 0x11328}, {0x1132A, 0x11330},
    {0x11332, 0x11333}, {0x11335, 0x11339}, {0x1133D, 0x1133D}, {0x11350, 0x11350},
    {0x1135D, 0x11361}, {0x11400, 0x11434}, {0x11447, 0x1144A}, {0x11450, 0x11459},
    {0x1145F, 0x11461}, {0x11480, 0x114AF}, {0x114C4, 0x114C5}, {0x114C7, 0x114C7},
    {0x114D0, 0x114D9}, {0x11580, 0x115AE}, {0x115D8, 0x115DB}, {0x11600, 0x1162F},
    {0x11644, 0x11644}, {0x11650, 0x11659}, {0x11680, 0x116AA}, {0x116B8, 0x116B8},
    {0x116C0, 0x116C9}, {0x11700, 0x1171A}, {0x11730, 0x1173B}, {0x11740, 0x11746},
    {0x11800, 0x1182B}, {0x118A0, 0x118F2}, {0x118FF, 0x11906}, {0x11909, 0x11909},
    {0x1190C, 0x11913}, {0x11915, 0x11916}, {0x11918, 0x1192F}, {0x1193F, 0x1193F},
    {0x11941, 0x11941}, {0x11950, 0x11959}, {0x119A0, 0x119A7}, {0x119AA, 0x119D0},
    {0x119E1, 0x119E1}, {0x119E3, 0x119E3}, {0x11A00, 0x11A00}, {0x11A0B, 0x11A32},
    {0x11A3A, 0x11A3A}, {0x11A50, 0x11A50}, {0x11A5C, 0x11A89}, {0x11A9D, 0x11A9D},
    {0x11AB0, 0x11AF8}, {0x11C00, 0x11C08}, {0x11C0A, 0x11C2E}, {0x11C40, 0x11C40},
    {0x11C50, 0x11C6C}, {0x11C72, 0x11C8F}, {0x11D00, 0x11D06}, {0x11D08, 0x11D09},
    {0x11D0B, 0x11D30}, {0x11D46, 0x11D46}, {0x11D50, 0x11D59}, {0x11D60, 0x11D65},
    {0x11D67, 0x11D68}, {0x11D6A, 0x11D89}, {0x11D98, 0x11D98}, {0x11DA0, 0x11DA9},
    {0x11EE0, 0x11EF2}, {0x11FB0, 0x11FB0}, {0x11FC0, 0x11FD4}, {0x12000, 0x12399},
    {0x12400, 0x1246E}, {0x12480, 0x12543}, {0x12F90, 0x12FF0}, {0x13000, 0x1342E},
    {0x14400, 0x14646}, {0x16800, 0x16A38}, {0x16A40, 0x16A5E}, {0x16A60, 0x16A69},
    {0x16A70, 0x16ABE}, {0x16AC0, 0x16AC9}, {0x16AD0, 0x16AED}, {0x16B00, 0x16B2F},
    {0x16B40, 0x16B43}, {0x16B50, 0x16B59}, {0x16B5B, 0x16B61}, {0x16B63, 0x16B77},
    {0x16B7D, 0x16B8F}, {0x16E40, 0x16E96}, {0x16F00, 0x16F4A}, {0x16F50, 0x16F50},
    {0x16F93, 0x16F9F}, {0x16FE0, 0x16FE1}, {0x16FE3, 0x16FE3}, {0x17000, 0x187F7},
    {0x18800, 0x18CD5}, {0x18D00, 0x18D08}, {0x1AFF0, 0x1AFF3}, {0x1AFF5, 0x1AFFB},
    {0x1AFFD, 0x1AFFE}, {0x1B000, 0x1B122}, {0x1B150, 0x1B152}, {0x1B164, 0x1B167},
    {0x1B170, 0x1B2FB}, {0x1BC00, 0x1BC6A}, {0x1BC70, 0x1BC7C}, {0x1BC80, 0x1BC88},
    {0x1BC90, 0x1BC99}, {0x1D2E0, 0x1D2F3}, {0x1D360, 0x1D378}, {0x1D400, 0x1D454},
    {0x1D456, 0x1D49C}, {0x1D49E, 0x1D49F}, {0x1D4A2, 0x1D4A2}, {0x1D4A5, 0x1D4A6},
    {0x1D4A9, 0x1D4AC}, {0x1D4AE, 0x1D4B9}, {0x1D4BB, 0x1D4BB}, {0x1D4BD, 0x1D4C3},
    {0x1D4C5, 0x1D505}, {0x1D507, 0x1D50A}, {0x1D50D, 0x1D514}, {0x1D516, 0x1D51C},
    {0x1D51E, 0x1D539}, {0x1D53B, 0x1D53E}, {0x1D540, 0x1D544}, {0x1D546, 0x1D546},
    {0x1D54A, 0x1D550}, {0x1D552, 0x1D6A5}, {0x1D6A8, 0x1D6C0}, {0x1D6C2, 0x1D6DA},
    {0x1D6DC, 0x1D6FA}, {0x1D6FC, 0x1D714}, {0x1D716, 0x1D734}, {0x1D736, 0x1D74E},
    {0x1D750, 0x1D76E}, {0x1D770, 0x1D788}, {0x1D78A, 0x1D7A8}, {0x1D7AA, 0x1D7C2},
    {0x1D7C4, 0x1D7CB}, {0x1D7CE, 0x1D7FF}, {0x1DF00, 0x1DF1E}, {0x1E100, 0x1E12C},
    {0x1E137, 0x1E13D}, {0x1E140, 0x1E149}, {0x1E14E, 0x1E14E}, {0x1E290, 0x1E2AD},
    {0x1E2C0, 0x1E2EB}, {0x1E2F0, 0x1E2F9}, {0x1E7E0, 0x1E7E6}, {0x1E7E8, 0x1E7EB},
    {0x1E7ED, 0x1E7EE}, {0x1E7F0, 0x1E7FE}, {0x1E800, 0x1E8C4}, {0x1E8C7, 0x1E8CF},
    {0x1E900, 0x1E943}, {0x1E94B, 0x1E94B}, {0x1E950, 0x1E959}, {0x1EC71, 0x1ECAB},
    {0x1ECAD, 0x1ECAF}, {0x1ECB1, 0x1ECB4}, {0x1ED01, 0x1ED2D}, {0x1ED2F, 0x1ED3D},
    {0x1EE00, 0x1EE03}, {0x1EE05, 0x1EE1F}, {0x1EE21, 0x1EE22}, {0x1EE24, 0x1EE24},
    {0x1EE27, 0x1EE27}, {0x1EE29, 0x1EE32}, {0x1EE34, 0x1EE37}, {0x1EE39, 0x1EE39},
    {0x1EE3B, 0x1EE3B}, {0x1EE42, 0x1EE42}, {0x1EE47, 0x1EE47}, {0x1EE49, 0x1EE49},
    {0x1EE4B, 0x1EE4B}, {0x1EE4D, 0x1EE4F}, {0x1EE51, 0x1EE52}, {0x1EE54, 0x1EE54},
    {0x1EE57, 0x1EE57}, {0x1EE59, 0x1EE59}, {0x1EE5B, 0x1EE5B}, {0x1EE5D, 0x1EE5D},
    {0x1EE5F, 0x1EE5F}, {0x1EE61, 0x1EE62}, {0x1EE64, 0x1EE64}, {0x1EE67, 0x1EE6A},
    {0x1EE6C, 0x1EE72}, {0x1EE74, 0x1EE77}, {0x1EE79, 0x1EE7C}, {0x1EE7E, 0x1EE7E},
    {0x1EE80, 0x1EE89}, {0x1EE8B, 0x1EE9B}, {0x1EEA1, 0x1EEA3}, {0x1EEA5, 0x1EEA9},
    {0x1EEAB, 0x1EEBB}, {0x1F100, 0x1F10C}, {0x1FBF0, 0x1FBF9}, {0x20000, 0x2A6DF},
    {0x2A700, 0x2B738}, {0x2B740, 0x2B81D}, {0x2B820, 0x2CEA1}, {0x2CEB0, 0x2EBE0},
    {0x2F800, 0x2FA1D}, {0x30000, 0x3134A},
};
constexpr CodePointRange DigitRanges[] = {
    {0x660, 0x669},     {0x6F0, 0x6F9},     {0x7C0, 0x7C9},     {0x966, 0x96F},
    {0x9E6, 0x9EF},     {0xA66, 0xA6F},     {0xAE6, 0xAEF},     {0xB66, 0xB6F},
    {0xBE6, 0xBEF},     {0xC66, 0xC6F},     {0xCE6, 0xCEF},     {0xD66, 0xD6F},
    {0xDE6, 0xDEF},     {0xE50, 0xE59},     {0xED0, 0xED9},     {0xF20, 0xF29},
    {0x1040, 0x1049},   {0x1090, 0x1099},   {0x17E0, 0x17E9},   {0x1810, 0x1819},
    {0x1946, 0x194F},   {0x19D0, 0x19D9},   {0x1A80, 0x1A89},   {0x1A90, 0x1A99},
    {0x1B50, 0x1B59},   {0x1BB0, 0x1BB9},   {0x1C40, 0x1C49},   {0x1C50, 0x1C59},
    {0xA620, 0xA629},   {0xA8D0, 0xA8D9},   {0xA900, 0xA909},   {0xA9D0, 0xA9D9},
    {0xA9F0, 0xA9F9},   {0xAA50, 0xAA59},   {0xABF0, 0xABF9},   {0xFF10, 0xFF19},
    {0x104A0, 0x104A9}, {0x10D30, 0x10D39}, {0x11066, 0x1106F}, {0x110F0, 0x110F9},
    {0x11136, 0x1113F}, {0x111D0, 0x111D9}, {0x112F0, 0x112F9}, {0x11450, 0x11459},
    {0x114D0, 0x114D9}, {0x11650, 0x11659}, {0x116C0, 0x116C9}, {0x11730, 0x11739},
    {0x118E0, 0x118E9}, {0x11950, 0x11959}, {0x11C50, 0x11C59}, {0x11D50, 0x11D59},
    {0x11DA0, 0x11DA9}, {0x16A60, 0x16A69}, {0x16AC0, 0x16AC9}, {0x16B50, 0x16B59},
    {0x1D7CE, 0x1D7FF}, {0x1E140, 0x1E149}, {0x1E2F0, 0x1E2F9}, {0x1E950, 0x1E959},
    {0x1FBF0, 0x1FBF9},
};

constexpr uint32_t InvalidCodePoint = 0xFFFFFFFFu;
constexpr size_t NoMatch = std::string_view::npos;

/// One decoded code point and how many bytes it took.
struct CodePoint {
  uint32_t Value;
  uint32_t Size;
};

/// Decodes the UTF-8 sequence at S[I]; an invalid byte decodes on its own.
CodePoint decodeAt(std::string_view S, size_t I) {
  auto Byte = [&](size_t K) { return static_cast<unsigned char>(S[K]); };
  unsigned char Lead = Byte(I);
  if (Lead < 0x80)
    return {Lead, 1};
  uint32_t Size, Value, Min;
  if ((Lead & 0xE0) == 0xC0) {
    Size = 2, Value = Lead & 0x1F, Min = 0x80;
  } else if ((Lead & 0xF0) == 0xE0) {
    Size = 3, Value = Lead & 0x0F, Min = 0x800;
  } else if ((Lead & 0xF8) == 0xF0) {
    Size = 4, Value = Lead & 0x07, Min = 0x10000;
  } else {
    return {InvalidCodePoint, 1};
  }
  if (I + Size > S.size())
    return {InvalidCodePoint, 1};
  for (uint32_t K = 1; K < Size; ++K) {
    unsigned char Next = Byte(I + K);
    if ((Next & 0xC0) != 0x80)
      return {InvalidCodePoint, 1};
    Value = (Value << 6) | (Next & 0x3F);
  }
  if (Value < Min || Value > 0x10FFFF || (Value >= 0xD800 && Value <= 0xDFFF))
    return {InvalidCodePoint, 1};
  return {Value, Size};
}

template <size_t N> bool inRanges(const CodePointRange (&Ranges)[N], uint32_t C) {
  const CodePointRange *It = std::upper_bound(
      Ranges, Ranges + N, C, [](uint32_t V, const CodePointRange &R) { return V < R.First; });
  return It != Ranges && C <= (It - 1)->Last;
}

/// Python's str.isspace(), which is also `re`'s `\s`.
bool isSpace(uint32_t C) {
  if (C < 0x80)
    return (C >= 0x09 && C <= 0x0D) || (C >= 0x1C && C <= 0x20);
  return C == 0x85 || C == 0xA0 || C == 0x1680 || (C >= 0x2000 && C <= 0x200A) || C == 0x2028 ||
         C == 0x2029 || C == 0x202F || C == 0x205F || C == 0x3000;
}

/// `re`'s `\w`: str.isalnum() or '_'.
bool isWord(uint32_t C) {
  if (C < 0x80)
    return (C >= '0' && C <= '9') || (C >= 'a' && C <= 'z') || (C >= 'A' && C <= 'Z') || C == '_';
  return C != InvalidCodePoint && inRanges(WordRanges, C);
}

/// `re`'s `\d`: Unicode decimal digits.
bool isDigit(uint32_t C) {
  if (C < 0x80)
    return C >= '0' && C <= '9';
  return C != InvalidCodePoint && inRanges(DigitRanges, C);
}

size_t skipSpaces(std::string_view S, size_t I) {
  while (I < S.size()) {
    CodePoint C = decodeAt(S, I);
    if (!isSpace(C.Value))
      break;
    I += C.Size;
  }
  return I;
}

size_t skipNonSpaces(std::string_view S, size_t I) {
  while (I < S.size()) {
    CodePoint C = decodeAt(S, I);
    if (isSpace(C.Value))
      break;
    I += C.Size;
  }
  return I;
}

/// Python's str.strip(): the [Begin, End) of S without surrounding spaces.
std::pair<size_t, size_t> stripRange(std::string_view S) {
  size_t Begin = skipSpaces(S, 0), End = S.size();
  while (End > Begin) {
    size_t Last = End - 1;
    while (Last > Begin && End - Last < 4 && (static_cast<unsigned char>(S[Last]) & 0xC0) == 0x80)
      --Last;
    CodePoint C = decodeAt(S, Last);
    if (Last + C.Size != End || !isSpace(C.Value))
      break;
    End = Last;
  }
  return {Begin, End};
}

/// The first word of S as Python's str.split() finds it.
std::string_view firstWord(std::string_view S) {
  size_t Begin = skipSpaces(S, 0);
  return S.substr(Begin, skipNonSpaces(S, Begin) - Begin);
}

bool startsWith(std::string_view S, std::string_view Prefix) {
  return S.substr(0, Prefix.size()) == Prefix;
}

bool endsWith(std::string_view S, std::string_view Suffix) {
  return S.size() >= Suffix.size() && S.substr(S.size() - Suffix.size()) == Suffix;
}

/// Concatenates strings and numbers, for error messages.
template <typename... Ts> std::string cat(const Ts &...Parts) {
  std::string Out;
  auto Add = [&](const auto &Part) {
    using T = std::decay_t<decltype(Part)>;
    if constexpr (std::is_integral_v<T>)
      Out += std::to_string(Part);
    else
      Out += std::string_view(Part);
  };
  (Add(Parts), ...);
  return Out;
}

/// Python's repr() of an ASCII-ish string, as Django's `%r` shows it.
std::string quoted(std::string_view S) {
  bool HasSingle = S.find('\'') != NoMatch, HasDouble = S.find('"') != NoMatch;
  char Q = HasSingle && !HasDouble ? '"' : '\'';
  std::string Out(1, Q);
  for (char C : S) {
    if (C == Q || C == '\\')
      Out += '\\';
    Out += C;
  }
  Out += Q;
  return Out;
}

//===----------------------------------------------------------------------===//
// Lexer
//===----------------------------------------------------------------------===//

enum class TokenKind : uint8_t { Text, Var, Block, Comment };

/// One token of django.template.base.Lexer, with its place in the source.
struct Token {
  TokenKind Kind;
  uint32_t Begin, End;               // the whole token
  uint32_t ContentBegin, ContentEnd; // tags: the stripped inside; text: all
  uint32_t Line;
};

/// Splits a template like `tag_re.split()` does and classifies the pieces
/// like `Lexer.create_token()`, including the `{% verbatim %}` state.
class Lexer {
public:
  explicit Lexer(std::string_view Src) : Src(Src) {}

  std::vector<Token> tokenize() {
    size_t TextStart = 0, Pos = 0;
    while (Pos + 1 < Src.size()) {
      size_t Open = Src.find('{', Pos);
      if (Open == NoMatch || Open + 1 >= Src.size())
        break;
      int Kind = kindOf(Src[Open + 1]);
      if (Kind < 0) {
        Pos = Open + 1;
        continue;
      }
      // `{%.*?%}`: the first closer after the opener, on the same line.
      size_t Close = findClose(Kind, Open + 2);
      if (Close == NoMatch || Close > findNewline(Open + 2)) {
        Pos = Open + 1;
        continue;
      }
      if (Open > TextStart)
        addText(TextStart, Open);
      addTag(Open, Close + 2);
      Pos = TextStart = Close + 2;
    }
    if (TextStart < Src.size())
      addText(TextStart, Src.size());
    return std::move(Tokens);
  }

private:
  static int kindOf(char C) {
    switch (C) {
    case '%':
      return 0;
    case '{':
      return 1;
    case '#':
      return 2;
    default:
      return -1;
    }
  }

  /// The first `%}`/`}}`/`#}` at or after From; searches only move forward,
  /// so a line full of openers without closers stays linear.
  size_t findClose(int Kind, size_t From) {
    static constexpr std::string_view Closers[] = {"%}", "}}", "#}"};
    size_t &At = CloseAt[Kind], &SearchedFrom = CloseFrom[Kind];
    bool Known = SearchedFrom != NoMatch && SearchedFrom <= From && (At == NoMatch || At >= From);
    if (!Known) {
      At = Src.find(Closers[Kind], From);
      SearchedFrom = From;
    }
    return At;
  }

  size_t findNewline(size_t From) {
    if (NewlineFrom == NoMatch || NewlineFrom > From ||
        (NewlineAt != NoMatch && NewlineAt < From)) {
      NewlineAt = Src.find('\n', From);
      NewlineFrom = From;
    }
    return NewlineAt == NoMatch ? Src.size() : NewlineAt;
  }

  uint32_t lineAt(size_t Offset) {
    for (; LinePos < Offset; ++LinePos)
      Line += Src[LinePos] == '\n';
    return Line;
  }

  void addText(size_t Begin, size_t End) {
    Tokens.push_back({TokenKind::Text, uint32_t(Begin), uint32_t(End), uint32_t(Begin),
                      uint32_t(End), lineAt(Begin)});
  }

  void addTag(size_t Begin, size_t End) {
    std::string_view Inside = Src.substr(Begin + 2, End - Begin - 4);
    auto [StripBegin, StripEnd] = stripRange(Inside);
    std::string_view Content = Inside.substr(StripBegin, StripEnd - StripBegin);
    char Second = Src[Begin + 1];
    if (Second == '%' && InVerbatim && Content == VerbatimEnd)
      InVerbatim = false;
    if (InVerbatim) {
      addText(Begin, End);
      return;
    }
    TokenKind Kind = Second == '%'   ? TokenKind::Block
                     : Second == '{' ? TokenKind::Var
                                     : TokenKind::Comment;
    if (Kind == TokenKind::Block && (Content == "verbatim" || startsWith(Content, "verbatim "))) {
      InVerbatim = true;
      VerbatimEnd = cat("end", Content);
    }
    Tokens.push_back({Kind, uint32_t(Begin), uint32_t(End), uint32_t(Begin + 2 + StripBegin),
                      uint32_t(Begin + 2 + StripEnd), lineAt(Begin)});
  }

  std::string_view Src;
  std::vector<Token> Tokens;
  size_t CloseAt[3] = {NoMatch, NoMatch, NoMatch};
  size_t CloseFrom[3] = {NoMatch, NoMatch, NoMatch};
  size_t NewlineAt = NoMatch, NewlineFrom = NoMatch;
  size_t LinePos = 0;
  uint32_t Line = 1;
  bool InVerbatim = false;
  std::string VerbatimEnd;
};

//===----------------------------------------------------------------------===//
// Splitting tag contents
//===----------------------------------------------------------------------===//

/// One word of a tag's contents and where it is in the source.
struct Bit {
  std::string Text;
  Range Where;
};

/// The end of the quoted string that starts at S[I] (`"(?:[^"\\]|\\.)*"`;
/// `.` does not match a newline), or NoMatch.
size_t matchQuoted(std::string_view S, size_t I) {
  char Quote = S[I];
  for (size_t J = I + 1; J < S.size(); ++J) {
    char C = S[J];
    if (C == Quote)
      return J + 1;
    if (C != '\\')
      continue;
    if (J + 1 >= S.size() || S[J + 1] == '\n')
      return NoMatch;
    ++J;
  }
  return NoMatch;
}

bool isQuote(char C) { return C == '"' || C == '\''; }

/// Skips `[^\s'"]*`.
size_t skipUnquotedWord(std::string_view S, size_t I) {
  while (I < S.size() && !isQuote(S[I])) {
    CodePoint C = decodeAt(S, I);
    if (isSpace(C.Value))
      break;
    I += C.Size;
  }
  return I;
}

/// django.utils.text.smart_split: words, with quoted phrases kept whole.
std::vector<Bit> smartSplit(std::string_view S, uint32_t Base) {
  std::vector<Bit> Bits;
  size_t I = skipSpaces(S, 0);
  while (I < S.size()) {
    // ([^\s'"]* (quoted [^\s'"]*)+) | \S+
    size_t End = NoMatch, K = skipUnquotedWord(S, I);
    while (K < S.size() && isQuote(S[K])) {
      size_t Closed = matchQuoted(S, K);
      if (Closed == NoMatch)
        break;
      K = End = skipUnquotedWord(S, Closed);
    }
    if (End == NoMatch)
      End = skipNonSpaces(S, I);
    Bits.push_back({std::string(S.substr(I, End - I)), {uint32_t(Base + I), uint32_t(Base + End)}});
    I = skipSpaces(S, End);
  }
  return Bits;
}

/// Token.split_contents(): smart_split, then `_("a b")` pieces joined back.
/// False when a translated string never ends (Django's StopIteration).
bool splitTagContents(std::string_view S, uint32_t Base, std::vector<Bit> &Out) {
  std::vector<Bit> Bits = smartSplit(S, Base);
  for (size_t I = 0; I < Bits.size(); ++I) {
    Bit B = std::move(Bits[I]);
    if (startsWith(B.Text, "_(\"") || startsWith(B.Text, "_('")) {
      std::string Sentinel = cat(std::string_view(&B.Text[2], 1), ")");
      while (!endsWith(B.Text, Sentinel)) {
        if (++I >= Bits.size())
          return false;
        B.Text += ' ';
        B.Text += Bits[I].Text;
        B.Where.End = Bits[I].Where.End;
      }
    }
    Out.push_back(std::move(B));
  }
  return true;
}

/// Python's str.split() with no arguments.
std::vector<Bit> splitWords(std::string_view S, uint32_t Base) {
  std::vector<Bit> Bits;
  for (size_t I = skipSpaces(S, 0); I < S.size();) {
    size_t End = skipNonSpaces(S, I);
    Bits.push_back({std::string(S.substr(I, End - I)), {uint32_t(Base + I), uint32_t(Base + End)}});
    I = skipSpaces(S, End);
  }
  return Bits;
}

//===----------------------------------------------------------------------===//
// FilterExpression
//===----------------------------------------------------------------------===//

/// `_("...")`, `_('...')`, `"..."` or `'...'` at S[I]: its end or NoMatch.
size_t matchConstant(std::string_view S, size_t I) {
  if (I + 2 < S.size() && S[I] == '_' && S[I + 1] == '(' && isQuote(S[I + 2])) {
    size_t End = matchQuoted(S, I + 2);
    if (End != NoMatch && End < S.size() && S[End] == ')')
      return End + 1;
    return NoMatch;
  }
  if (I < S.size() && isQuote(S[I]))
    return matchQuoted(S, I);
  return NoMatch;
}

/// `[\w.]+` at S[I].
size_t matchVarChars(std::string_view S, size_t I) {
  size_t J = I;
  while (J < S.size()) {
    CodePoint C = decodeAt(S, J);
    if (C.Value != '.' && !isWord(C.Value))
      break;
    J += C.Size;
  }
  return J > I ? J : NoMatch;
}

/// `[-+\.]?\d[\d\.e]*` at S[I].
size_t matchNumber(std::string_view S, size_t I) {
  size_t J = I;
  if (J < S.size() && (S[J] == '-' || S[J] == '+' || S[J] == '.'))
    ++J;
  if (J >= S.size())
    return NoMatch;
  CodePoint First = decodeAt(S, J);
  if (!isDigit(First.Value))
    return NoMatch;
  J += First.Size;
  while (J < S.size()) {
    CodePoint C = decodeAt(S, J);
    if (C.Value != '.' && C.Value != 'e' && !isDigit(C.Value))
      break;
    J += C.Size;
  }
  return J;
}

/// `[\w.]+|num`, in that order, as filter_re tries them.
size_t matchVarOrNumber(std::string_view S, size_t I) {
  size_t End = matchVarChars(S, I);
  return End != NoMatch ? End : matchNumber(S, I);
}

/// One match of filter_re.
struct FilterMatch {
  enum { Constant, Var, Filter } Kind;
  size_t Begin, End;
  size_t NameBegin = 0, NameEnd = 0;
  bool HasArg = false, ArgIsConstant = false;
  size_t ArgBegin = 0, ArgEnd = 0;
};

/// `\s*\|\s*(\w+)(?::(constant|[\w.]+|num))?` at S[I].
bool matchFilterAt(std::string_view S, size_t I, FilterMatch &M) {
  size_t J = skipSpaces(S, I);
  if (J >= S.size() || S[J] != '|')
    return false;
  J = skipSpaces(S, J + 1);
  size_t NameEnd = J;
  while (NameEnd < S.size()) {
    CodePoint C = decodeAt(S, NameEnd);
    if (!isWord(C.Value))
      break;
    NameEnd += C.Size;
  }
  if (NameEnd == J)
    return false;
  M = {FilterMatch::Filter, I, NameEnd, J, NameEnd};
  if (NameEnd >= S.size() || S[NameEnd] != ':')
    return true;
  size_t ArgBegin = NameEnd + 1, ArgEnd = matchConstant(S, ArgBegin);
  M.ArgIsConstant = ArgEnd != NoMatch;
  if (ArgEnd == NoMatch)
    ArgEnd = matchVarOrNumber(S, ArgBegin);
  if (ArgEnd == NoMatch)
    return true;
  M.HasArg = true;
  M.ArgBegin = ArgBegin;
  M.ArgEnd = M.End = ArgEnd;
  return true;
}

/// The next match of filter_re.finditer() at or after From.
bool nextFilterMatch(std::string_view S, size_t From, FilterMatch &M) {
  if (From == 0) {
    if (size_t End = matchConstant(S, 0); End != NoMatch) {
      M = {FilterMatch::Constant, 0, End};
      return true;
    }
    if (size_t End = matchVarOrNumber(S, 0); End != NoMatch) {
      M = {FilterMatch::Var, 0, End};
      return true;
    }
  }
  for (size_t I = From; I < S.size();) {
    if (matchFilterAt(S, I, M))
      return true;
    CodePoint C = decodeAt(S, I);
    if (!isSpace(C.Value)) {
      I += C.Size;
      continue;
    }
    // Every start inside this run of spaces fails the same way.
    size_t RunEnd = skipSpaces(S, I);
    I = RunEnd < S.size() && S[RunEnd] == '|' ? RunEnd + 1 : RunEnd;
  }
  return false;
}

/// `digit (_? digit)*` at V[I], as Python's int() and float() take digits.
size_t matchDigitPart(std::string_view V, size_t I) {
  if (I >= V.size() || !isDigit(decodeAt(V, I).Value))
    return NoMatch;
  I += decodeAt(V, I).Size;
  while (I < V.size()) {
    size_t J = V[I] == '_' ? I + 1 : I;
    if (J >= V.size())
      break;
    CodePoint C = decodeAt(V, J);
    if (!isDigit(C.Value))
      break;
    I = J + C.Size;
  }
  return I;
}

size_t skipSign(std::string_view V) { return !V.empty() && (V[0] == '-' || V[0] == '+') ? 1 : 0; }

bool isPythonInt(std::string_view V) { return matchDigitPart(V, skipSign(V)) == V.size(); }

bool isPythonFloat(std::string_view V) {
  size_t I = skipSign(V), End = matchDigitPart(V, I);
  bool HasDigits = End != NoMatch;
  if (!HasDigits)
    End = I;
  if (End < V.size() && V[End] == '.') {
    size_t Fraction = matchDigitPart(V, End + 1);
    HasDigits |= Fraction != NoMatch;
    End = Fraction != NoMatch ? Fraction : End + 1;
  }
  if (!HasDigits)
    return false;
  if (End < V.size() && (V[End] == 'e' || V[End] == 'E')) {
    size_t Exponent = End + 1;
    if (Exponent < V.size() && (V[Exponent] == '-' || V[Exponent] == '+'))
      ++Exponent;
    End = matchDigitPart(V, Exponent);
  }
  return End == V.size();
}

/// Whether Variable(V) is a number: float() when V has '.' or 'e' (but not a
/// trailing '.'), int() otherwise.
bool isNumberLiteral(std::string_view V) {
  if (V.find_first_of(".eE") != NoMatch)
    return isPythonFloat(V) && !endsWith(V, ".");
  return isPythonInt(V);
}

/// Variable() refuses lookups that begin with an underscore.
bool hasPrivateLookup(std::string_view V) { return V.find("._") != NoMatch || startsWith(V, "_"); }

/// How many arguments a filter that ships with Django takes. Filters we do
/// not know may come from any library and take anything.
enum class FilterArity { Unknown, None, Optional, Required };

FilterArity builtinFilterArity(std::string_view Name) {
  // Generated from Django 3.2's default filters and the i18n, l10n, static
  // and tz libraries with inspect.getfullargspec, as Parser.args_check reads
  // them.
  static const std::unordered_map<std::string_view, FilterArity> Arity = [] {
    std::unordered_map<std::string_view, FilterArity> Map;
    for (std::string_view Name : {"add",
                                  "center",
                                  "cut",
                                  "default",
                                  "default_if_none",
                                  "dictsort",
                                  "dictsortreversed",
                                  "divisibleby",
                                  "get_digit",
                                  "join",
                                  "json_script",
                                  "length_is",
                                  "ljust",
                                  "rjust",
                                  "slice",
                                  "stringformat",
                                  "timezone",
                                  "truncatechars",
                                  "truncatechars_html",
                                  "truncatewords",
                                  "truncatewords_html",
                                  "urlizetrunc",
                                  "wordwrap"})
      Map.emplace(Name, FilterArity::Required);
    for (std::string_view Name : {"addslashes",
                                  "capfirst",
                                  "escape",
                                  "escapejs",
                                  "filesizeformat",
                                  "first",
                                  "force_escape",
                                  "iriencode",
                                  "language_bidi",
                                  "language_name",
                                  "language_name_local",
                                  "language_name_translated",
                                  "last",
                                  "length",
                                  "localize",
                                  "localtime",
                                  "lower",
                                  "make_list",
                                  "phone2numeric",
                                  "pprint",
                                  "random",
                                  "safe",
                                  "safeseq",
                                  "slugify",
                                  "striptags",
                                  "title",
                                  "unlocalize",
                                  "upper",
                                  "utc",
                                  "wordcount"})
      Map.emplace(Name, FilterArity::None);
    for (std::string_view Name :
         {"date", "floatformat", "linebreaks", "linebreaksbr", "linenumbers", "pluralize", "time",
          "timesince", "timeuntil", "unordered_list", "urlencode", "urlize", "yesno"})
      Map.emplace(Name, FilterArity::Optional);
    return Map;
  }();
  auto It = Arity.find(Name);
  return It == Arity.end() ? FilterArity::Unknown : It->second;
}

/// The arity of filter \p Name in Django \p DjangoVersion (0: unknown, then
/// the arity any supported version accepts).
FilterArity filterArity(std::string_view Name, unsigned DjangoVersion) {
  // json_script(value, element_id=None) from Django 4.1 on.
  if (Name == "json_script" && (DjangoVersion == 0 || DjangoVersion >= 401))
    return FilterArity::Optional;
  return builtinFilterArity(Name);
}

/// Parser.args_check() for the filters Django ships: empty when F is fine.
std::string checkFilterArguments(const Filter &F, unsigned DjangoVersion) {
  FilterArity Arity = filterArity(F.Name, DjangoVersion);
  if (Arity == FilterArity::Required && !F.HasArg)
    return cat(F.Name, " requires 2 arguments, 1 provided");
  if (Arity == FilterArity::None && F.HasArg)
    return cat(F.Name, " requires 1 arguments, 2 provided");
  return {};
}

/// FilterExpression(Text): the variable and its filters. Ranges are Base plus
/// offsets into Text. Err gets the first error Django would raise, if any.
Expr compileFilter(std::string_view Text, uint32_t Base, Error &Err, unsigned DjangoVersion) {
  Expr E;
  E.Where = {Base, uint32_t(Base + Text.size())};
  E.VarWhere = {Base, Base};
  auto At = [&](size_t Offset) { return uint32_t(Base + Offset); };
  auto Fail = [&](std::string Message, size_t Begin, size_t End) {
    Err = {std::move(Message), {At(Begin), At(End)}};
    return E;
  };
  size_t Upto = 0;
  bool HaveVar = false;
  FilterMatch M;
  while (nextFilterMatch(Text, Upto, M)) {
    if (M.Begin != Upto)
      return Fail(cat("Could not parse some characters: ", Text.substr(0, Upto), "|",
                      Text.substr(Upto, M.Begin - Upto), "|", Text.substr(M.Begin)),
                  Upto, M.Begin);
    if (!HaveVar) {
      if (M.Kind == FilterMatch::Filter)
        return Fail(cat("Could not find variable at start of ", Text, "."), 0, Text.size());
      E.Var = std::string(Text.substr(M.Begin, M.End - M.Begin));
      E.VarWhere = {At(M.Begin), At(M.End)};
      E.IsLiteral = M.Kind == FilterMatch::Constant || isNumberLiteral(E.Var);
      if (!E.IsLiteral && hasPrivateLookup(E.Var))
        return Fail(cat("Variables and attributes may not begin with "
                        "underscores: '",
                        E.Var, "'"),
                    M.Begin, M.End);
      HaveVar = true;
      Upto = M.End;
      continue;
    }
    Filter F;
    F.Name = std::string(Text.substr(M.NameBegin, M.NameEnd - M.NameBegin));
    F.Where = {At(M.NameBegin), At(M.End)};
    if (M.HasArg) {
      F.HasArg = true;
      F.Arg = std::string(Text.substr(M.ArgBegin, M.ArgEnd - M.ArgBegin));
      F.ArgWhere = {At(M.ArgBegin), At(M.ArgEnd)};
      F.ArgIsLiteral = M.ArgIsConstant || isNumberLiteral(F.Arg);
      if (!F.ArgIsLiteral && hasPrivateLookup(F.Arg))
        return Fail(cat("Variables and attributes may not begin with "
                        "underscores: '",
                        F.Arg, "'"),
                    M.ArgBegin, M.ArgEnd);
    }
    if (std::string Message = checkFilterArguments(F, DjangoVersion); !Message.empty())
      return Fail(std::move(Message), M.NameBegin, M.End);
    E.Filters.push_back(std::move(F));
    Upto = M.End;
  }
  if (Upto != Text.size())
    return Fail(cat("Could not parse the remainder: '", Text.substr(Upto), "' from '", Text, "'"),
                Upto, Text.size());
  return E;
}

/// An operand that is only a literal tells nothing about the context.
bool isBareLiteral(const Expr &E) { return E.IsLiteral && E.Filters.empty(); }

//===----------------------------------------------------------------------===//
// The smart `if` expression (django/template/smartif.py)
//===----------------------------------------------------------------------===//

/// One token of an `if` expression: an operator or an operand.
struct IfToken {
  enum { Operand, Prefix, Infix, End } Kind;
  int BindingPower; // lbp; 0 for operands and the end
  std::string Display;
};

/// IfParser's top-down operator-precedence parser, reduced to checking the
/// grammar: the operands are compiled separately.
class IfExpressionParser {
public:
  explicit IfExpressionParser(std::vector<IfToken> Tokens) : Tokens(std::move(Tokens)) {
    Current = next();
  }

  /// IfParser.parse(): empty on success, else Django's message.
  std::string parse() {
    if (!expression(0))
      return Message;
    if (Current.Kind != IfToken::End)
      return cat("Unused '", Current.Display, "' at end of if expression.");
    return {};
  }

private:
  IfToken next() {
    if (Pos >= Tokens.size())
      return {IfToken::End, 0, {}};
    return Tokens[Pos++];
  }

  bool expression(int RightBindingPower) {
    // Python gives up with a RecursionError at about this depth too.
    if (++Depth > MaxNestingDepth) {
      Message = "'if' expression is nested too deeply.";
      return false;
    }
    IfToken T = std::move(Current);
    Current = next();
    switch (T.Kind) {
    case IfToken::End:
      Message = "Unexpected end of expression in if tag.";
      return false;
    case IfToken::Infix:
      Message = cat("Not expecting '", T.Display, "' in this position in if tag.");
      return false;
    case IfToken::Prefix:
      if (!expression(T.BindingPower))
        return false;
      break;
    case IfToken::Operand:
      break;
    }
    while (RightBindingPower < Current.BindingPower) {
      T = std::move(Current);
      Current = next();
      if (T.Kind != IfToken::Infix) {
        Message = cat("Not expecting '", T.Display, "' as infix operator in if tag.");
        return false;
      }
      if (!expression(T.BindingPower))
        return false;
    }
    --Depth;
    return true;
  }

  std::vector<IfToken> Tokens;
  size_t Pos = 0;
  IfToken Current;
  unsigned Depth = 0;
  std::string Message;
};

/// The operators of smartif.OPERATORS with their binding powers.
bool ifOperator(std::string_view Word, IfToken &T) {
  static const std::pair<std::string_view, int> Infix[] = {
      {"or", 6},  {"and", 7}, {"in", 9}, {"not in", 9}, {"is", 10}, {"is not", 10},
      {"==", 10}, {"!=", 10}, {">", 10}, {">=", 10},    {"<", 10},  {"<=", 10}};
  if (Word == "not") {
    T = {IfToken::Prefix, 8, "not"};
    return true;
  }
  for (const auto &[Name, Power] : Infix) {
    if (Word == Name) {
      T = {IfToken::Infix, Power, std::string(Name)};
      return true;
    }
  }
  return false;
}

//===----------------------------------------------------------------------===//
// Parser
//===----------------------------------------------------------------------===//

using TagList = std::vector<std::string_view>;

/// End tags and intermediate tags of the tags we know: seeing one where it
/// does not belong is Django's "Invalid block tag" error. Sorted.
constexpr std::string_view KnownEndTags[] = {"elif",
                                             "else",
                                             "empty",
                                             "endautoescape",
                                             "endblock",
                                             "endblocktrans",
                                             "endblocktranslate",
                                             "endcache",
                                             "endcomment",
                                             "endfilter",
                                             "endfor",
                                             "endif",
                                             "endifchanged",
                                             "endifequal",
                                             "endifnotequal",
                                             "endlanguage",
                                             "endlocalize",
                                             "endlocaltime",
                                             "endspaceless",
                                             "endtimezone",
                                             "endverbatim",
                                             "endwith",
                                             "plural"};
static_assert(std::is_sorted(std::begin(KnownEndTags), std::end(KnownEndTags)));

bool isKnownEndTag(std::string_view Command) {
  return std::binary_search(std::begin(KnownEndTags), std::end(KnownEndTags), Command);
}

/// get_text_list(Items, 'or') with each item quoted.
std::string quotedList(const TagList &Items) {
  std::string Out;
  for (size_t I = 0; I < Items.size(); ++I) {
    if (I > 0)
      Out += I + 1 == Items.size() ? " or " : ", ";
    Out += cat("'", Items[I], "'");
  }
  return Out;
}

std::string joined(const TagList &Items, std::string_view Separator) {
  std::string Out;
  for (size_t I = 0; I < Items.size(); ++I)
    Out += cat(I ? Separator : "", Items[I]);
  return Out;
}

// Keeps a helper out of its caller so that its locals are not part of the
// caller's frame: the parser recurses once per nesting level, and only what
// stays live across the recursion should cost stack there.
#if defined(__GNUC__) || defined(__clang__)
#define NPLUS1_NOINLINE __attribute__((noinline))
#else
#define NPLUS1_NOINLINE
#endif

/// Django's Parser.parse() with the compile functions of the tags it knows.
class Parser {
public:
  Parser(std::string_view Src, std::vector<Token> Tokens, std::vector<Error> &Errors,
         unsigned DjangoVersion)
      : Src(Src), Tokens(std::move(Tokens)), Errors(Errors), DjangoVersion(DjangoVersion) {
    for (const Token &T : this->Tokens)
      if (T.Kind == TokenKind::Block)
        Commands.insert(firstWord(contents(T)));
  }

  std::vector<Node> run() {
    std::vector<Node> Nodes;
    static const TagList Nothing;
    parseNodes(Nodes, Nothing);
    return Nodes;
  }

private:
  /// How a run of nodes ended.
  enum class Stop { Found, Eof, Outer, Abort };

  /// The tag being compiled and the node list it goes to.
  struct TagCall {
    const Token &Tok;
    std::string_view Contents;
    std::string_view Command;
    std::vector<Node> &Out;
    bool ContainsNonText;
  };
  using Handler = void (Parser::*)(TagCall &);
  struct HandlerEntry {
    std::string_view Name;
    Handler Compile;
  };
  static const HandlerEntry Handlers[];

  static constexpr size_t MaxErrors = 1000;

  std::string_view contents(const Token &T) const {
    return Src.substr(T.ContentBegin, T.ContentEnd - T.ContentBegin);
  }

  static Range whole(const Token &T) { return {T.Begin, T.End}; }

  void error(std::string Message, Range Where) {
    if (Errors.size() > MaxErrors)
      return;
    if (Errors.size() == MaxErrors) {
      Errors.push_back({"Too many errors; giving up on reporting more.", Where});
      return;
    }
    Errors.push_back({std::move(Message), Where});
  }

  void error(const TagCall &C, std::string Message) { error(std::move(Message), whole(C.Tok)); }

  //===--------------------------------------------------------------------===//
  // Node lists
  //===--------------------------------------------------------------------===//

  /// Parser.parse(Until): appends nodes to Out until a block tag whose
  /// command is in Until (left unconsumed at Pos), the end of the tokens, an
  /// end tag that an enclosing tag waits for, or a fatal error.
  Stop parseNodes(std::vector<Node> &Out, const TagList &Until) {
    if (Aborted)
      return Stop::Abort;
    if (Depth >= MaxNestingDepth) {
      reportTooDeep();
      return Stop::Abort;
    }
    ++Depth;
    startWaiting(Until);
    Stop Result = parseNodesUntil(Out, Until);
    stopWaiting(Until);
    --Depth;
    return Result;
  }

  NPLUS1_NOINLINE void startWaiting(const TagList &Until) {
    // Keys view the first TagList that waits for them, which outlives the
    // later ones, so they stay valid until erased.
    for (std::string_view Name : Until)
      ++Waiting[Name];
  }

  NPLUS1_NOINLINE void stopWaiting(const TagList &Until) {
    for (std::string_view Name : Until) {
      auto It = Waiting.find(Name);
      if (--It->second == 0)
        Waiting.erase(It);
    }
  }

  NPLUS1_NOINLINE void reportTooDeep() {
    Aborted = true;
    uint32_t At = Pos < Tokens.size() ? Tokens[Pos].Begin : uint32_t(Src.size());
    error(cat("Block tags are nested more than ", MaxNestingDepth, " deep; giving up."), {At, At});
  }

  static bool contains(const TagList &List, std::string_view Name) {
    return std::find(List.begin(), List.end(), Name) != List.end();
  }

  /// Whether an enclosing parseNodes() (not the innermost) waits for Name.
  NPLUS1_NOINLINE bool outerWaitsFor(const TagList &Until, std::string_view Name) const {
    auto It = Waiting.find(Name);
    if (It == Waiting.end())
      return false;
    return It->second > (contains(Until, Name) ? 1u : 0u);
  }

  /// A block tag that closes or continues some other tag.
  NPLUS1_NOINLINE bool isStrayEndTag(std::string_view Command) const {
    if (isKnownEndTag(Command))
      return true;
    if (Command.size() <= 3 || !startsWith(Command, "end"))
      return false;
    std::string_view Opener = Command.substr(3);
    return Commands.count(Opener) || findHandler(Opener);
  }

  /// Tag libraries register identifiers, some behind a sigil (component libraries
  /// register `{% #card %}`...`{% /card %}`); `{% {{ x %}` is no tag.
  static bool isTagName(std::string_view Command) {
    size_t Sigils = Command.find_first_not_of("#/@$:!+-.");
    if (Sigils == NoMatch || Sigils > 2)
      return false;
    for (size_t I = Sigils; I < Command.size();) {
      CodePoint C = decodeAt(Command, I);
      if (!isWord(C.Value))
        return false;
      I += C.Size;
    }
    return true;
  }

  Stop parseNodesUntil(std::vector<Node> &Out, const TagList &Until) {
    bool ContainsNonText = false;
    while (Pos < Tokens.size()) {
      const Token &T = Tokens[Pos];
      switch (T.Kind) {
      case TokenKind::Text:
        addTokenNode(Out, T, NodeKind::Text);
        ++Pos;
        continue;
      case TokenKind::Comment:
        addTokenNode(Out, T, NodeKind::Comment).TagName = "#";
        ++Pos;
        continue;
      case TokenKind::Var:
        ++Pos;
        if (T.ContentBegin == T.ContentEnd) {
          reportEmptyTag(T);
          continue;
        }
        addVar(Out, T);
        ContainsNonText = true;
        continue;
      case TokenKind::Block:
        break;
      }
      std::string_view Command = firstWord(contents(T));
      if (Command.empty()) {
        reportEmptyTag(T);
        ++Pos;
        continue;
      }
      if (contains(Until, Command))
        return Stop::Found;
      if (outerWaitsFor(Until, Command))
        return Stop::Outer;
      if (isStrayEndTag(Command) || !isTagName(Command)) {
        invalidBlockTag(T, Command, Until);
        ++Pos;
        continue;
      }
      ++Pos;
      TagCall Call{T, contents(T), Command, Out, ContainsNonText};
      compileTag(Call);
      ContainsNonText = true;
      if (Aborted)
        return Stop::Abort;
    }
    return Stop::Eof;
  }

  NPLUS1_NOINLINE void reportEmptyTag(const Token &T) {
    error(cat(T.Kind == TokenKind::Var ? "Empty variable tag on line " : "Empty block tag on line ",
              T.Line),
          whole(T));
  }

  NPLUS1_NOINLINE void invalidBlockTag(const Token &T, std::string_view Command,
                                       const TagList &Until) {
    if (Until.empty()) {
      error(cat("Invalid block tag on line ", T.Line, ": '", Command,
                "'. Did you forget to register or load this tag?"),
            whole(T));
      return;
    }
    error(cat("Invalid block tag on line ", T.Line, ": '", Command, "', expected ",
              quotedList(Until), ". Did you forget to register or load this tag?"),
          whole(T));
  }

  /// Appends the node of the tag C to its list and returns it. Nodes are
  /// built in place so that no Node lives on the stack of the recursion; the
  /// list does not grow while the tag's own body is parsed.
  static Node &startTag(TagCall &C, NodeKind Kind) {
    Node &N = C.Out.emplace_back();
    N.Kind = Kind;
    N.Where = N.TagWhere = whole(C.Tok);
    N.TagName = std::string(C.Command);
    return N;
  }

  /// Parses a body into Into. True when a tag of Until ends it (it is then at
  /// Pos); otherwise the tag is reported as unclosed.
  bool parseBody(const TagCall &C, std::vector<Node> &Into, const TagList &Until) {
    Stop S = parseNodes(Into, Until);
    if (S == Stop::Found)
      return true;
    if (S != Stop::Abort)
      reportUnclosed(C, Until);
    return false;
  }

  NPLUS1_NOINLINE void reportUnclosed(const TagCall &C, const TagList &Until) {
    error(C, cat("Unclosed tag on line ", C.Tok.Line, ": '", C.Command,
                 "'. Looking for one of: ", joined(Until, ", "), "."));
  }

  /// Consumes the tag at Pos as N's end tag.
  void closeNode(Node &N) {
    const Token &T = Tokens[Pos++];
    N.EndTagWhere = whole(T);
    N.Where.End = T.End;
  }

  /// N ends where its last consumed token does.
  void endUnclosed(Node &N) {
    if (Pos > 0)
      N.Where.End = std::max(N.Where.End, Tokens[Pos - 1].End);
  }

  /// Parses N's body up to Ends and closes N.
  void simpleBody(const TagCall &C, Node &N, const TagList &Ends) {
    if (parseBody(C, N.Children, Ends))
      closeNode(N);
    else
      endUnclosed(N);
  }

  /// Appends a node of Kind covering T whose Text is T's contents.
  NPLUS1_NOINLINE Node &addTokenNode(std::vector<Node> &Out, const Token &T, NodeKind Kind) {
    Node &N = Out.emplace_back();
    N.Kind = Kind;
    N.Where = N.TagWhere = whole(T);
    N.Text = std::string(contents(T));
    return N;
  }

  NPLUS1_NOINLINE void addVar(std::vector<Node> &Out, const Token &T) {
    Node &N = Out.emplace_back();
    N.Kind = NodeKind::Var;
    N.Where = N.TagWhere = whole(T);
    N.Value = compile(contents(T), T.ContentBegin, whole(T));
  }

  //===--------------------------------------------------------------------===//
  // Expressions and arguments
  //===--------------------------------------------------------------------===//

  /// parser.compile_filter(); errors are reported when Report is set.
  Expr compile(std::string_view Text, uint32_t Base, Range Fallback, bool Report = true) {
    Error Err;
    Expr E = compileFilter(Text, Base, Err, DjangoVersion);
    if (Report && !Err.Message.empty()) {
      if (Err.Where.Begin == Err.Where.End)
        Err.Where = Fallback;
      error(std::move(Err.Message), Err.Where);
    }
    return E;
  }

  Expr compile(const Bit &B, bool Report = true) {
    return compile(B.Text, B.Where.Begin, B.Where, Report);
  }

  /// Whether B compiles without error; its Expr goes to E.
  bool tryCompile(const Bit &B, Expr &E) {
    Error Err;
    E = compileFilter(B.Text, B.Where.Begin, Err, DjangoVersion);
    return Err.Message.empty();
  }

  /// token.split_contents(), reporting a translated string that never ends.
  std::vector<Bit> splitContents(const TagCall &C) {
    std::vector<Bit> Bits;
    if (!splitTagContents(C.Contents, C.Tok.ContentBegin, Bits))
      error(C, cat("'", C.Command, "' tag has a translated string _(...) that never ends."));
    return Bits;
  }

  std::vector<Bit> plainSplit(const TagCall &C) {
    return splitWords(C.Contents, C.Tok.ContentBegin);
  }

  /// kwarg_re = r"(?:(\w+)=)?(.+)": the key length of B, or 0.
  static size_t kwargKeyLength(std::string_view B) {
    size_t I = 0;
    while (I < B.size()) {
      CodePoint C = decodeAt(B, I);
      if (!isWord(C.Value))
        break;
      I += C.Size;
    }
    if (I == 0 || I + 1 >= B.size() || B[I] != '=')
      return 0;
    // `(.+)` needs one character that is not a newline.
    return B[I + 1] == '\n' ? 0 : I;
  }

  /// The value part of a `key=value` bit.
  static Bit kwargValue(const Bit &B, size_t KeyLength) {
    return {B.Text.substr(KeyLength + 1), {uint32_t(B.Where.Begin + KeyLength + 1), B.Where.End}};
  }

  /// Sets Name in a dict-like binding list.
  static void bind(std::vector<std::pair<std::string, Expr>> &Bindings, std::string Name,
                   Expr Value) {
    for (auto &[Key, Old] : Bindings) {
      if (Key == Name) {
        Old = std::move(Value);
        return;
      }
    }
    Bindings.emplace_back(std::move(Name), std::move(Value));
  }

  /// token_kwargs(Bits[I..]): the bindings it reads; I moves past them.
  std::vector<std::pair<std::string, Expr>> tokenKwargs(const std::vector<Bit> &Bits, size_t &I,
                                                        bool SupportLegacy) {
    std::vector<std::pair<std::string, Expr>> Kwargs;
    if (I >= Bits.size())
      return Kwargs;
    bool KwargFormat = kwargKeyLength(Bits[I].Text) != 0;
    if (!KwargFormat && (!SupportLegacy || Bits.size() - I < 3 || Bits[I + 1].Text != "as"))
      return Kwargs;
    while (I < Bits.size()) {
      if (KwargFormat) {
        size_t KeyLength = kwargKeyLength(Bits[I].Text);
        if (KeyLength == 0)
          return Kwargs;
        bind(Kwargs, Bits[I].Text.substr(0, KeyLength), compile(kwargValue(Bits[I], KeyLength)));
        ++I;
      } else {
        if (Bits.size() - I < 3 || Bits[I + 1].Text != "as")
          return Kwargs;
        bind(Kwargs, Bits[I + 2].Text, compile(Bits[I]));
        I += 3;
      }
      if (I < Bits.size() && !KwargFormat) {
        if (Bits[I].Text != "and")
          return Kwargs;
        ++I;
      }
    }
    return Kwargs;
  }

  /// Arguments of a tag we do not know: `as name` targets, `k=v` bindings
  /// and every other word that compiles as an expression.
  NPLUS1_NOINLINE void genericArguments(const TagCall &C, Node &N) {
    std::vector<Bit> Bits;
    splitTagContents(C.Contents, C.Tok.ContentBegin, Bits);
    for (size_t I = 1; I < Bits.size(); ++I) {
      const Bit &B = Bits[I];
      if (B.Text == "as" && I + 1 < Bits.size()) {
        N.AsVar = Bits[++I].Text;
        continue;
      }
      Expr E;
      if (size_t KeyLength = kwargKeyLength(B.Text)) {
        if (tryCompile(kwargValue(B, KeyLength), E))
          bind(N.Bindings, B.Text.substr(0, KeyLength), std::move(E));
        continue;
      }
      if (tryCompile(B, E))
        N.Args.push_back(std::move(E));
    }
  }

  /// Collects the non-literal operands of the condition of the `if`/`elif`
  /// tag C and checks its grammar (TemplateIfParser(parser, bits).parse()).
  NPLUS1_NOINLINE void parseCondition(const TagCall &C, Node &N, uint32_t Branch) {
    std::vector<Bit> Bits = splitContents(C);
    std::vector<IfToken> Tokens;
    for (size_t I = 1; I < Bits.size(); ++I) {
      std::string Word = Bits[I].Text;
      bool Next = I + 1 < Bits.size();
      if (Word == "is" && Next && Bits[I + 1].Text == "not")
        Word = "is not", ++I;
      else if (Word == "not" && Next && Bits[I + 1].Text == "in")
        Word = "not in", ++I;
      IfToken T;
      if (ifOperator(Word, T)) {
        Tokens.push_back(std::move(T));
        continue;
      }
      Expr E = compile(Bits[I]);
      if (!isBareLiteral(E)) {
        N.Conditions.push_back(std::move(E));
        N.ConditionBranch.push_back(Branch);
      }
      Tokens.push_back({IfToken::Operand, 0, Bits[I].Text});
    }
    std::string Message = IfExpressionParser(std::move(Tokens)).parse();
    if (!Message.empty())
      error(C, std::move(Message));
  }

  //===--------------------------------------------------------------------===//
  // Tags
  //===--------------------------------------------------------------------===//

  /// The compile function of a tag we know, or null.
  NPLUS1_NOINLINE static Handler findHandler(std::string_view Name);

  void compileTag(TagCall &C) {
    if (Handler Compile = findHandler(C.Command)) {
      (this->*Compile)(C);
      return;
    }
    unknownTag(C);
  }

  /// A tag from a library we cannot see: a block tag when the template also
  /// has its end tag, a simple tag otherwise; arguments best-effort.
  NPLUS1_NOINLINE void unknownTag(TagCall &C) {
    Node &N = startTag(C, NodeKind::Other);
    genericArguments(C, N);
    std::string EndName = cat("end", C.Command);
    if (!Commands.count(EndName))
      return;
    const TagList Until = {EndName, "else", "elif", "empty", "plural"};
    std::vector<Node> *Section = &N.Children;
    while (parseBody(C, *Section, Until)) {
      if (firstWord(contents(Tokens[Pos])) == EndName) {
        closeNode(N);
        return;
      }
      ++Pos;
      Section = &N.Branches.emplace_back();
    }
    endUnclosed(N);
  }

  void noArgumentTag(TagCall &C) { startTag(C, NodeKind::Other); }

  void forTag(TagCall &C) {
    Node &N = startTag(C, NodeKind::For);
    forArguments(C, N);
    static const TagList LoopEnds = {"empty", "endfor"};
    static const TagList EmptyEnds = {"endfor"};
    bool Closed = parseBody(C, N.Children, LoopEnds);
    // Django takes any tag but an exact `{% empty %}` as the end.
    if (Closed && contents(Tokens[Pos]) == "empty") {
      ++Pos;
      Closed = parseBody(C, N.ElseChildren, EmptyEnds);
    }
    if (Closed)
      closeNode(N);
    else
      endUnclosed(N);
  }

  NPLUS1_NOINLINE void forArguments(const TagCall &C, Node &N) {
    std::vector<Bit> Bits = splitContents(C);
    if (Bits.size() < 4) {
      error(C, cat("'for' statements should have at least four words: ", C.Contents));
      return;
    }
    N.Reversed = Bits.back().Text == "reversed";
    size_t In = Bits.size() - (N.Reversed ? 3 : 2);
    if (Bits[In].Text != "in")
      error(C, cat("'for' statements should use the format 'for x in y': ", C.Contents));
    else
      loopVariables(C, Bits, In, N);
    N.Iter = compile(Bits[In + 1]);
  }

  /// re.split(r' *, *', ' '.join(Bits[1:In])), each name checked.
  void loopVariables(const TagCall &C, const std::vector<Bit> &Bits, size_t In, Node &N) {
    std::string Joined;
    std::vector<uint32_t> Offsets; // source offset of each byte of Joined
    for (size_t I = 1; I < In; ++I) {
      if (I > 1) {
        Joined += ' ';
        Offsets.push_back(Bits[I - 1].Where.End);
      }
      const Bit &B = Bits[I];
      for (size_t K = 0; K < B.Text.size(); ++K) {
        Joined += B.Text[K];
        Offsets.push_back(std::min<uint32_t>(uint32_t(B.Where.Begin + K), B.Where.End - 1));
      }
    }
    auto Add = [&](size_t Begin, size_t End) {
      std::string Name = Joined.substr(Begin, End - Begin);
      bool Bad = Name.empty() || Name.find_first_of(" \"'|") != NoMatch;
      if (Bad)
        error(C, cat("'for' tag received an invalid argument: ", C.Contents));
      Range Where = Begin < End ? Range{Offsets[Begin], Offsets[End - 1] + 1}
                                : Range{C.Tok.Begin, C.Tok.Begin};
      N.LoopVars.push_back(std::move(Name));
      N.LoopVarWhere.push_back(Where);
      return !Bad;
    };
    size_t PieceBegin = 0;
    for (size_t Comma = Joined.find(','); Comma != NoMatch; Comma = Joined.find(',', Comma + 1)) {
      size_t MatchBegin = Comma;
      while (MatchBegin > PieceBegin && Joined[MatchBegin - 1] == ' ')
        --MatchBegin;
      size_t MatchEnd = Comma + 1;
      while (MatchEnd < Joined.size() && Joined[MatchEnd] == ' ')
        ++MatchEnd;
      if (!Add(PieceBegin, MatchBegin))
        return;
      PieceBegin = MatchEnd;
      Comma = MatchEnd - 1;
    }
    Add(PieceBegin, Joined.size());
  }

  void ifTag(TagCall &C) {
    Node &N = startTag(C, NodeKind::If);
    static const TagList BranchEnds = {"elif", "else", "endif"};
    static const TagList ElseEnds = {"endif"};
    parseCondition(C, N, 0);
    bool Closed = parseBody(C, N.Branches.emplace_back(), BranchEnds);
    while (Closed && startsWith(contents(Tokens[Pos]), "elif")) {
      elifCondition(C, N);
      Closed = parseBody(C, N.Branches.emplace_back(), BranchEnds);
    }
    if (Closed && firstWord(contents(Tokens[Pos])) == "else") {
      checkExactly(Tokens[Pos++], "else");
      N.HasElse = true;
      Closed = parseBody(C, N.Branches.emplace_back(), ElseEnds);
    }
    if (!Closed) {
      endUnclosed(N);
      return;
    }
    checkExactly(Tokens[Pos], "endif");
    closeNode(N);
  }

  /// Consumes the `{% elif %}` at Pos and parses its condition.
  NPLUS1_NOINLINE void elifCondition(const TagCall &C, Node &N) {
    const Token &Elif = Tokens[Pos++];
    TagCall ElifCall{Elif, contents(Elif), "elif", C.Out, C.ContainsNonText};
    parseCondition(ElifCall, N, uint32_t(N.Branches.size()));
  }

  /// The `if` tag's "Malformed template tag" check.
  NPLUS1_NOINLINE void checkExactly(const Token &T, std::string_view Expected) {
    if (contents(T) != Expected)
      error(cat("Malformed template tag at line ", T.Line, ": \"", contents(T), "\""), whole(T));
  }

  /// ifequal/ifnotequal, given as an If node comparing two operands.
  void ifEqualTag(TagCall &C) {
    Node &N = startTag(C, NodeKind::If);
    ifEqualArguments(C, N);
    const TagList &TrueEnds = C.Command == "ifequal" ? IfEqualEnds[0] : IfEqualEnds[1];
    const TagList &FalseEnds = C.Command == "ifequal" ? IfEqualEnds[2] : IfEqualEnds[3];
    bool Closed = parseBody(C, N.Branches.emplace_back(), TrueEnds);
    if (Closed && contents(Tokens[Pos]) == "else") {
      ++Pos;
      N.HasElse = true;
      Closed = parseBody(C, N.Branches.emplace_back(), FalseEnds);
    }
    if (Closed)
      closeNode(N);
    else
      endUnclosed(N);
  }

  static inline const TagList IfEqualEnds[] = {
      {"else", "endifequal"}, {"else", "endifnotequal"}, {"endifequal"}, {"endifnotequal"}};

  NPLUS1_NOINLINE void ifEqualArguments(const TagCall &C, Node &N) {
    std::vector<Bit> Bits = splitContents(C);
    if (Bits.size() != 3)
      error(C, cat("'", C.Command, "' takes two arguments"));
    for (size_t I = 1; I < Bits.size() && I < 3; ++I) {
      Expr E = compile(Bits[I]);
      if (!isBareLiteral(E)) {
        N.Conditions.push_back(std::move(E));
        N.ConditionBranch.push_back(0);
      }
    }
  }

  void ifChangedTag(TagCall &C) {
    Node &N = startTag(C, NodeKind::Other);
    expressionArguments(C, N, 1);
    static const TagList TrueEnds = {"else", "endifchanged"};
    static const TagList FalseEnds = {"endifchanged"};
    bool Closed = parseBody(C, N.Children, TrueEnds);
    if (Closed && contents(Tokens[Pos]) == "else") {
      ++Pos;
      Closed = parseBody(C, N.ElseChildren, FalseEnds);
    }
    if (Closed)
      closeNode(N);
    else
      endUnclosed(N);
  }

  /// Every bit from First on, compiled into N.Args.
  NPLUS1_NOINLINE void expressionArguments(const TagCall &C, Node &N, size_t First) {
    std::vector<Bit> Bits = splitContents(C);
    for (size_t I = First; I < Bits.size(); ++I)
      N.Args.push_back(compile(Bits[I]));
  }

  void withTag(TagCall &C) {
    Node &N = startTag(C, NodeKind::With);
    withArguments(C, N);
    static const TagList Ends = {"endwith"};
    simpleBody(C, N, Ends);
  }

  NPLUS1_NOINLINE void withArguments(const TagCall &C, Node &N) {
    std::vector<Bit> Bits = splitContents(C);
    size_t I = 1;
    N.Bindings = tokenKwargs(Bits, I, /*SupportLegacy=*/true);
    if (N.Bindings.empty())
      error(C, "'with' expected at least one variable assignment");
    else if (I < Bits.size())
      error(C, cat("'with' received an invalid token: ", quoted(Bits[I].Text)));
  }

  void includeTag(TagCall &C) {
    Node &N = startTag(C, NodeKind::Include);
    std::vector<Bit> Bits = splitContents(C);
    if (Bits.size() < 2) {
      error(C, "'include' tag takes at least one argument: the name of the "
               "template to be included.");
      return;
    }
    bool SeenWith = false;
    for (size_t I = 2; I < Bits.size();) {
      const std::string &Option = Bits[I++].Text;
      if ((Option == "with" && SeenWith) || (Option == "only" && N.Only)) {
        error(C, cat("The ", quoted(Option), " option was specified more than once."));
        continue;
      }
      if (Option == "with") {
        SeenWith = true;
        N.Bindings = tokenKwargs(Bits, I, /*SupportLegacy=*/false);
        if (N.Bindings.empty())
          error(C, "\"with\" in 'include' tag needs at least one keyword "
                   "argument.");
      } else if (Option == "only") {
        N.Only = true;
      } else {
        error(C, cat("Unknown argument for 'include' tag: ", quoted(Option), "."));
      }
    }
    N.Value = compile(Bits[1]);
  }

  void extendsTag(TagCall &C) {
    Node &N = startTag(C, NodeKind::Extends);
    std::vector<Bit> Bits = splitContents(C);
    if (Bits.size() != 2)
      error(C, "'extends' takes one argument");
    if (Bits.size() >= 2)
      N.Value = compile(Bits[1]);
    // Django parses the rest of the template inside the first extends, so a
    // second one is reported as such, not as "must be first".
    if (SeenExtends)
      error(C, "'extends' cannot appear more than once in the same template");
    else if (C.ContainsNonText)
      error(C, "{% extends %} must be the first tag in the template.");
    else if (Depth > 1)
      error(C, "{% extends %} must be at the top level of the template.");
    SeenExtends = true;
  }

  void blockTag(TagCall &C) {
    Node &N = startTag(C, NodeKind::Block);
    blockArguments(C, N);
    static const TagList Ends = {"endblock"};
    if (!parseBody(C, N.Children, Ends)) {
      endUnclosed(N);
      return;
    }
    checkEndBlock(N);
    closeNode(N);
  }

  NPLUS1_NOINLINE void blockArguments(const TagCall &C, Node &N) {
    std::vector<Bit> Bits = plainSplit(C);
    if (Bits.size() != 2)
      error(C, "'block' tag takes only one argument");
    if (Bits.size() < 2)
      return;
    N.BlockName = N.TagName = Bits[1].Text;
    if (!BlockNames.insert(N.BlockName).second)
      error(C, cat("'block' tag with name '", N.BlockName, "' appears more than once"));
  }

  /// Only `endblock` and `endblock <name>`, spelled exactly, end a block.
  NPLUS1_NOINLINE void checkEndBlock(const Node &N) {
    const Token &End = Tokens[Pos];
    std::string Named = cat("endblock ", N.BlockName);
    if (contents(End) != "endblock" && contents(End) != Named)
      invalidBlockTag(End, "endblock", {"endblock", Named});
  }

  void commentTag(TagCall &C) {
    Node &N = startTag(C, NodeKind::Comment);
    // skip_past('endcomment'): only an exact `{% endcomment %}` ends it.
    size_t End = Pos;
    while (End < Tokens.size() &&
           !(Tokens[End].Kind == TokenKind::Block && contents(Tokens[End]) == "endcomment"))
      ++End;
    uint32_t TextEnd = End < Tokens.size() ? Tokens[End].Begin : uint32_t(Src.size());
    N.Text = std::string(Src.substr(C.Tok.End, TextEnd - C.Tok.End));
    Pos = End;
    if (End < Tokens.size()) {
      closeNode(N);
      return;
    }
    error(C,
          cat("Unclosed tag on line ", C.Tok.Line, ": 'comment'. Looking for one of: endcomment."));
    N.Where.End = uint32_t(Src.size());
  }

  void verbatimTag(TagCall &C) {
    Node &N = startTag(C, NodeKind::Verbatim);
    // The lexer made everything up to the matching end tag text; parse()
    // only matters for a `{% verbatim\t%}` the lexer did not recognise.
    static const TagList Ends = {"endverbatim"};
    std::vector<Node> Body;
    bool Closed = parseBody(C, Body, Ends);
    uint32_t TextEnd = Pos < Tokens.size() ? Tokens[Pos].Begin : uint32_t(Src.size());
    N.Text = std::string(Src.substr(C.Tok.End, TextEnd - C.Tok.End));
    if (Closed)
      closeNode(N);
    else
      endUnclosed(N);
  }

  void spacelessTag(TagCall &C) {
    Node &N = startTag(C, NodeKind::Other);
    static const TagList Ends = {"endspaceless"};
    simpleBody(C, N, Ends);
  }

  /// autoescape, localize and localtime: `on`/`off` and a body.
  void onOffBlockTag(TagCall &C) {
    Node &N = startTag(C, NodeKind::Other);
    onOffArgument(C);
    static const TagList Ends[] = {{"endautoescape"}, {"endlocalize"}, {"endlocaltime"}};
    simpleBody(C, N, Ends[C.Command == "autoescape" ? 0 : C.Command == "localize" ? 1 : 2]);
  }

  NPLUS1_NOINLINE void onOffArgument(const TagCall &C) {
    bool IsAutoescape = C.Command == "autoescape";
    std::vector<Bit> Bits = IsAutoescape ? plainSplit(C) : splitContents(C);
    auto IsOnOff = [](const Bit &B) { return B.Text == "on" || B.Text == "off"; };
    if (IsAutoescape && Bits.size() != 2)
      error(C, "'autoescape' tag requires exactly one argument.");
    else if (IsAutoescape && !IsOnOff(Bits[1]))
      error(C, "'autoescape' argument should be 'on' or 'off'");
    else if (!IsAutoescape && Bits.size() > 1 && (Bits.size() > 2 || !IsOnOff(Bits[1])))
      error(C, cat("'", C.Command, "' argument should be 'on' or 'off'"));
  }

  /// language and timezone: one expression and a body.
  void oneExpressionBlockTag(TagCall &C) {
    Node &N = startTag(C, NodeKind::Other);
    oneExpressionArgument(C, N);
    static const TagList Ends[] = {{"endlanguage"}, {"endtimezone"}};
    simpleBody(C, N, Ends[C.Command == "language" ? 0 : 1]);
  }

  NPLUS1_NOINLINE void oneExpressionArgument(const TagCall &C, Node &N) {
    std::vector<Bit> Bits = splitContents(C);
    if (Bits.size() != 2)
      error(C, cat("'", C.Command, "' takes one argument (",
                   C.Command == "language" ? "language" : "timezone", ")"));
    if (Bits.size() >= 2)
      N.Args.push_back(compile(Bits[1]));
  }

  void filterTag(TagCall &C) {
    Node &N = startTag(C, NodeKind::Other);
    filterArgument(C, N);
    static const TagList Ends = {"endfilter"};
    simpleBody(C, N, Ends);
  }

  NPLUS1_NOINLINE void filterArgument(const TagCall &C, Node &N) {
    // `_, rest = token.contents.split(None, 1)`, then
    // compile_filter("var|" + rest).
    size_t RestBegin = skipSpaces(C.Contents, C.Command.size());
    if (RestBegin >= C.Contents.size()) {
      error(C, "'filter' tag requires at least one filter.");
      return;
    }
    std::string_view Rest = C.Contents.substr(RestBegin);
    uint32_t RestAt = uint32_t(C.Tok.ContentBegin + RestBegin);
    Expr E = compile(cat("var|", Rest), RestAt - 4, {RestAt, C.Tok.ContentEnd});
    E.Where = {RestAt, C.Tok.ContentEnd};
    E.VarWhere = {RestAt, RestAt};
    for (const Filter &F : E.Filters)
      if (F.Name == "escape" || F.Name == "safe")
        error(C, cat("\"filter ", F.Name,
                     "\" is not permitted.  Use the \"autoescape\" tag "
                     "instead."));
    N.Args.push_back(std::move(E));
  }

  void cacheTag(TagCall &C) {
    Node &N = startTag(C, NodeKind::Other);
    cacheArguments(C, N);
    static const TagList Ends = {"endcache"};
    simpleBody(C, N, Ends);
  }

  NPLUS1_NOINLINE void cacheArguments(const TagCall &C, Node &N) {
    std::vector<Bit> Bits = splitContents(C);
    if (Bits.size() < 3) {
      error(C, "'cache' tag requires at least 2 arguments.");
      return;
    }
    size_t End = Bits.size();
    N.Args.push_back(compile(Bits[1]));
    N.Text = Bits[2].Text; // the fragment name is never a variable
    bool HasUsing = End > 3 && startsWith(Bits.back().Text, "using=");
    for (size_t I = 3; I + (HasUsing ? 1 : 0) < End; ++I)
      N.Args.push_back(compile(Bits[I]));
    if (HasUsing)
      bind(N.Bindings, "using", compile(kwargValue(Bits.back(), 5)));
  }

  void blockTranslateTag(TagCall &C) {
    Node &N = startTag(C, NodeKind::Other);
    bool HasCount = blockTranslateOptions(C, N);
    // The body is text and {{ key }} only; any other token ends it.
    bool Ok = translationBody(C, N.Children);
    if (Ok && firstWord(contents(Tokens[Pos])) == "plural") {
      if (!HasCount || contents(Tokens[Pos]) != "plural")
        error(cat("'", C.Command, "' doesn't allow other block tags inside it"),
              whole(Tokens[Pos]));
      ++Pos;
      Ok = translationBody(C, N.ElseChildren);
    } else if (Ok && HasCount) {
      error(cat("'", C.Command, "' doesn't allow other block tags inside it"), whole(Tokens[Pos]));
      Ok = false;
    }
    if (!Ok) {
      if (Pos >= Tokens.size())
        error(C, cat("Unclosed tag on line ", C.Tok.Line, ": '", C.Command,
                     "'. Looking for one of: end", C.Command, "."));
      endUnclosed(N);
      return;
    }
    std::string_view Seen = contents(Tokens[Pos]);
    std::string_view Command = firstWord(Seen);
    bool IsEnd = Command == "endblocktrans" || Command == "endblocktranslate";
    if (Seen != cat("end", C.Command))
      error(cat("'", C.Command, "' doesn't allow other block tags (seen ", quoted(Seen),
                ") inside it"),
            whole(Tokens[Pos]));
    if (IsEnd)
      closeNode(N);
    else
      endUnclosed(N);
  }

  /// The options of blocktranslate; true when it has a `count`.
  bool blockTranslateOptions(const TagCall &C, Node &N) {
    std::vector<Bit> Bits = splitContents(C);
    std::unordered_set<std::string> Seen;
    bool HasCount = false;
    for (size_t I = 1; I < Bits.size();) {
      const std::string &Option = Bits[I++].Text;
      if (!Seen.insert(Option).second) {
        error(C, cat("The ", quoted(Option), " option was specified more than once."));
        continue;
      }
      if (Option == "with" || Option == "count") {
        auto Kwargs = tokenKwargs(Bits, I, /*SupportLegacy=*/true);
        if (Option == "with" && Kwargs.empty())
          error(C, cat("\"with\" in '", C.Command, "' tag needs at least one keyword argument."));
        if (Option == "count" && Kwargs.size() != 1)
          error(C,
                cat("\"count\" in '", C.Command, "' tag expected exactly one keyword argument."));
        HasCount |= Option == "count" && !Kwargs.empty();
        for (auto &[Key, Value] : Kwargs)
          bind(N.Bindings, Key, std::move(Value));
      } else if (Option == "context") {
        Expr E;
        if (I >= Bits.size() || !tryCompile(Bits[I], E))
          error(C, cat("\"context\" in '", C.Command, "' tag expected exactly one argument."));
        if (I < Bits.size()) {
          N.Args.push_back(std::move(E));
          ++I;
        }
      } else if (Option == "asvar") {
        if (I >= Bits.size())
          error(C, cat("No argument provided to the '", C.Command, "' tag for the asvar option."));
        else
          N.AsVar = Bits[I++].Text;
      } else if (Option != "trimmed") {
        error(C, cat("Unknown argument for '", C.Command, "' tag: ", quoted(Option), "."));
      }
    }
    return HasCount;
  }

  /// Text and `{{ key }}` tokens of a blocktranslate body. True when a
  /// block tag ends it (left at Pos); false at the end of the template.
  bool translationBody(const TagCall &C, std::vector<Node> &Into) {
    for (; Pos < Tokens.size(); ++Pos) {
      const Token &T = Tokens[Pos];
      if (T.Kind == TokenKind::Block)
        return true;
      if (T.Kind == TokenKind::Text) {
        addTokenNode(Into, T, NodeKind::Text);
        continue;
      }
      if (T.Kind == TokenKind::Comment) {
        error(cat("'", C.Command, "' doesn't allow other block tags (seen ", quoted(contents(T)),
                  ") inside it"),
              whole(T));
        continue;
      }
      Node &V = Into.emplace_back();
      V.Kind = NodeKind::Var;
      V.Where = V.TagWhere = whole(T);
      V.TagName = std::string(C.Command);
      V.Value.Var = std::string(contents(T));
      V.Value.Where = V.Value.VarWhere = {T.ContentBegin, T.ContentEnd};
    }
    return false;
  }

  void translateTag(TagCall &C) {
    Node &N = startTag(C, NodeKind::Other);
    std::vector<Bit> Bits = splitContents(C);
    if (Bits.size() < 2) {
      error(C, cat("'", C.Command, "' takes at least one argument"));
      return;
    }
    N.Args.push_back(compile(Bits[1]));
    std::unordered_set<std::string> Seen;
    for (size_t I = 2; I < Bits.size();) {
      const std::string &Option = Bits[I++].Text;
      if (Seen.count(Option)) {
        error(C, cat("The '", Option, "' option was specified more than once."));
      } else if (Option == "context" || Option == "as") {
        if (I >= Bits.size()) {
          error(C, cat("No argument provided to the '", C.Command, "' tag for the ", Option,
                       " option."));
        } else if (Option == "as") {
          N.AsVar = Bits[I++].Text;
        } else if (Bits[I].Text == "as" || Bits[I].Text == "noop") {
          error(C, cat("Invalid argument '", Bits[I].Text, "' provided to the '", C.Command,
                       "' tag for the context option"));
          ++I;
        } else {
          N.Args.push_back(compile(Bits[I++]));
        }
      } else if (Option != "noop") {
        error(C, cat("Unknown argument for '", C.Command, "' tag: '", Option,
                     "'. The only options available are 'noop', 'context' "
                     "\"xxx\", and 'as VAR'."));
      }
      Seen.insert(Option);
    }
  }

  /// get_current_language & co: `as name`.
  void asVariableTag(TagCall &C) {
    Node &N = startTag(C, NodeKind::Other);
    std::vector<Bit> Bits = plainSplit(C);
    if (Bits.size() != 3 || Bits[1].Text != "as")
      error(C, cat("'", C.Command, "' requires 'as variable'"));
    else
      N.AsVar = Bits[2].Text;
  }

  /// get_language_info(_list): `for expr as name`.
  void languageInfoTag(TagCall &C) {
    Node &N = startTag(C, NodeKind::Other);
    std::vector<Bit> Bits = splitContents(C);
    if (Bits.size() != 5 || Bits[1].Text != "for" || Bits[3].Text != "as") {
      error(C, cat("'", C.Command, "' requires 'for ",
                   C.Command == "get_language_info" ? "string" : "sequence", " as variable'"));
      return;
    }
    N.Args.push_back(compile(Bits[2]));
    N.AsVar = Bits[4].Text;
  }

  /// get_static_prefix / get_media_prefix `[as name]`.
  void prefixTag(TagCall &C) {
    Node &N = startTag(C, NodeKind::Other);
    std::vector<Bit> Bits = plainSplit(C);
    if (Bits.size() > 1 && Bits[1].Text != "as")
      error(C, cat("First argument in '", C.Command, "' must be 'as'"));
    else if (Bits.size() == 2)
      error(C, cat("'", C.Command, "' needs a variable name after 'as'"));
    else if (Bits.size() > 2)
      N.AsVar = Bits[2].Text;
  }

  void staticTag(TagCall &C) {
    Node &N = startTag(C, NodeKind::Other);
    std::vector<Bit> Bits = splitContents(C);
    if (Bits.size() < 2) {
      error(C, "'static' takes at least one argument (path to file)");
      return;
    }
    N.Args.push_back(compile(Bits[1]));
    if (Bits[Bits.size() - 2].Text != "as")
      return;
    // Django reads bits[3] whatever the length.
    if (Bits.size() < 4)
      error(C, "'static' needs a variable name after 'as'");
    else
      N.AsVar = Bits[3].Text;
  }

  void cycleTag(TagCall &C) {
    Node &N = startTag(C, NodeKind::Other);
    std::vector<Bit> Bits = splitContents(C);
    if (Bits.size() < 2) {
      error(C, "'cycle' tag requires at least two arguments");
      return;
    }
    if (Bits.size() == 2) {
      const std::string &Name = Bits[1].Text;
      if (NamedCycles.empty())
        error(C, cat("No named cycles in template. '", Name, "' is not defined"));
      else if (!NamedCycles.count(Name))
        error(C, cat("Named cycle '", Name, "' does not exist"));
      N.AsVar = Name;
      return;
    }
    size_t End = Bits.size();
    bool AsForm = false;
    if (End > 4 && Bits[End - 3].Text == "as") {
      if (Bits[End - 1].Text != "silent")
        error(C, cat("Only 'silent' flag is allowed after cycle's name, not '", Bits[End - 1].Text,
                     "'."));
      AsForm = true;
      --End;
    } else if (End > 4 && Bits[End - 2].Text == "as") {
      AsForm = true;
    }
    if (AsForm) {
      N.AsVar = Bits[End - 1].Text;
      NamedCycles.insert(N.AsVar);
      End -= 2;
    }
    for (size_t I = 1; I < End; ++I)
      N.Args.push_back(compile(Bits[I]));
    HasCycle = true;
  }

  void resetCycleTag(TagCall &C) {
    startTag(C, NodeKind::Other);
    std::vector<Bit> Bits = splitContents(C);
    if (Bits.size() > 2)
      error(C, "'resetcycle' tag accepts at most one argument.");
    else if (Bits.size() == 2 && !NamedCycles.count(Bits[1].Text))
      error(C, cat("Named cycle '", Bits[1].Text, "' does not exist."));
    else if (Bits.size() == 1 && !HasCycle)
      error(C, "No cycles in template.");
  }

  void firstOfTag(TagCall &C) {
    Node &N = startTag(C, NodeKind::Other);
    std::vector<Bit> Bits = splitContents(C);
    size_t End = Bits.size();
    if (End < 2)
      error(C, "'firstof' statement requires at least one argument");
    if (End >= 3 && Bits[End - 2].Text == "as") {
      N.AsVar = Bits[End - 1].Text;
      End -= 2;
    }
    for (size_t I = 1; I < End; ++I)
      N.Args.push_back(compile(Bits[I]));
  }

  void urlTag(TagCall &C) {
    Node &N = startTag(C, NodeKind::Other);
    std::vector<Bit> Bits = splitContents(C);
    if (Bits.size() < 2) {
      error(C, "'url' takes at least one argument, a URL pattern name.");
      return;
    }
    N.Args.push_back(compile(Bits[1]));
    size_t End = Bits.size();
    if (End >= 4 && Bits[End - 2].Text == "as") {
      N.AsVar = Bits[End - 1].Text;
      End -= 2;
    }
    for (size_t I = 2; I < End; ++I) {
      if (size_t KeyLength = kwargKeyLength(Bits[I].Text))
        bind(N.Bindings, Bits[I].Text.substr(0, KeyLength),
             compile(kwargValue(Bits[I], KeyLength)));
      else
        N.Args.push_back(compile(Bits[I]));
    }
  }

  void widthRatioTag(TagCall &C) {
    Node &N = startTag(C, NodeKind::Other);
    std::vector<Bit> Bits = splitContents(C);
    if (Bits.size() == 6 && Bits[4].Text != "as")
      error(C, "Invalid syntax in widthratio tag. Expecting 'as' keyword");
    else if (Bits.size() != 4 && Bits.size() != 6)
      error(C, "widthratio takes at least three arguments");
    if (Bits.size() == 6)
      N.AsVar = Bits[5].Text;
    for (size_t I = 1; I < Bits.size() && I < 4; ++I)
      N.Args.push_back(compile(Bits[I]));
  }

  void nowTag(TagCall &C) {
    Node &N = startTag(C, NodeKind::Other);
    std::vector<Bit> Bits = splitContents(C);
    size_t End = Bits.size();
    if (End == 4 && Bits[2].Text == "as") {
      N.AsVar = Bits[3].Text;
      End = 2;
    }
    if (End != 2)
      error(C, "'now' statement takes one argument");
  }

  void loremTag(TagCall &C) {
    Node &N = startTag(C, NodeKind::Other);
    std::vector<Bit> Bits = splitContents(C);
    auto LastIs = [&](std::string_view Word) {
      return Bits.size() > 1 && Bits.back().Text == Word;
    };
    if (LastIs("random"))
      Bits.pop_back();
    if (LastIs("w") || LastIs("p") || LastIs("b"))
      Bits.pop_back();
    if (Bits.size() > 1) {
      N.Args.push_back(compile(Bits.back()));
      Bits.pop_back();
    }
    if (Bits.size() != 1)
      error(C, "Incorrect format for 'lorem' tag");
  }

  void regroupTag(TagCall &C) {
    Node &N = startTag(C, NodeKind::Other);
    std::vector<Bit> Bits = splitContents(C);
    if (Bits.size() != 6) {
      error(C, "'regroup' tag takes five arguments");
      return;
    }
    N.Args.push_back(compile(Bits[1]));
    if (Bits[2].Text != "by")
      error(C, "second argument to 'regroup' tag must be 'by'");
    if (Bits[4].Text != "as")
      error(C, "next-to-last argument to 'regroup' tag must be 'as'");
    N.AsVar = Bits[5].Text;
    // Django compiles `<as name>.<key>`; errors come from that spelling.
    Error Err;
    compileFilter(cat(N.AsVar, ".", Bits[3].Text), 0, Err, DjangoVersion);
    if (!Err.Message.empty())
      error(std::move(Err.Message), Bits[3].Where);
    N.Args.push_back(compile(Bits[3], /*Report=*/false));
  }

  void templateTagTag(TagCall &C) {
    startTag(C, NodeKind::Other);
    std::vector<Bit> Bits = plainSplit(C);
    static const std::string_view Names[] = {"openblock",     "closeblock",  "openvariable",
                                             "closevariable", "openbrace",   "closebrace",
                                             "opencomment",   "closecomment"};
    if (Bits.size() != 2)
      error(C, "'templatetag' statement takes one argument");
    else if (std::find(std::begin(Names), std::end(Names), Bits[1].Text) == std::end(Names))
      error(C, cat("Invalid templatetag argument: '", Bits[1].Text,
                   "'. Must be one of: ['openblock', 'closeblock', "
                   "'openvariable', 'closevariable', 'openbrace', "
                   "'closebrace', 'opencomment', 'closecomment']"));
  }

  std::string_view Src;
  std::vector<Token> Tokens;
  std::vector<Error> &Errors;
  unsigned DjangoVersion; ///< 0: unknown
  size_t Pos = 0;
  unsigned Depth = 0;
  bool Aborted = false;
  bool SeenExtends = false;
  bool HasCycle = false;
  /// The command of every block tag in the template.
  std::unordered_set<std::string_view> Commands;
  /// How many open tags wait for each end or intermediate tag.
  std::unordered_map<std::string_view, unsigned> Waiting;
  std::unordered_set<std::string> BlockNames, NamedCycles;
};

/// The tags Django 3.2 registers in its built-in library and in the i18n,
/// static, cache, l10n and tz libraries, sorted by name.
const Parser::HandlerEntry Parser::Handlers[] = {
    {"autoescape", &Parser::onOffBlockTag},
    {"block", &Parser::blockTag},
    {"blocktrans", &Parser::blockTranslateTag},
    {"blocktranslate", &Parser::blockTranslateTag},
    {"cache", &Parser::cacheTag},
    {"comment", &Parser::commentTag},
    {"csrf_token", &Parser::noArgumentTag},
    {"cycle", &Parser::cycleTag},
    {"debug", &Parser::noArgumentTag},
    {"extends", &Parser::extendsTag},
    {"filter", &Parser::filterTag},
    {"firstof", &Parser::firstOfTag},
    {"for", &Parser::forTag},
    {"get_available_languages", &Parser::asVariableTag},
    {"get_current_language", &Parser::asVariableTag},
    {"get_current_language_bidi", &Parser::asVariableTag},
    {"get_current_timezone", &Parser::asVariableTag},
    {"get_language_info", &Parser::languageInfoTag},
    {"get_language_info_list", &Parser::languageInfoTag},
    {"get_media_prefix", &Parser::prefixTag},
    {"get_static_prefix", &Parser::prefixTag},
    {"if", &Parser::ifTag},
    {"ifchanged", &Parser::ifChangedTag},
    {"ifequal", &Parser::ifEqualTag},
    {"ifnotequal", &Parser::ifEqualTag},
    {"include", &Parser::includeTag},
    {"language", &Parser::oneExpressionBlockTag},
    {"load", &Parser::noArgumentTag},
    {"localize", &Parser::onOffBlockTag},
    {"localtime", &Parser::onOffBlockTag},
    {"lorem", &Parser::loremTag},
    {"now", &Parser::nowTag},
    {"regroup", &Parser::regroupTag},
    {"resetcycle", &Parser::resetCycleTag},
    {"spaceless", &Parser::spacelessTag},
    {"static", &Parser::staticTag},
    {"templatetag", &Parser::templateTagTag},
    {"timezone", &Parser::oneExpressionBlockTag},
    {"trans", &Parser::translateTag},
    {"translate", &Parser::translateTag},
    {"url", &Parser::urlTag},
    {"verbatim", &Parser::verbatimTag},
    {"widthratio", &Parser::widthRatioTag},
    {"with", &Parser::withTag},
};

Parser::Handler Parser::findHandler(std::string_view Name) {
  auto ByName = [](const HandlerEntry &A, const HandlerEntry &B) { return A.Name < B.Name; };
  assert(std::is_sorted(std::begin(Handlers), std::end(Handlers), ByName));
  const HandlerEntry *It = std::lower_bound(std::begin(Handlers), std::end(Handlers),
                                            HandlerEntry{Name, nullptr}, ByName);
  if (It == std::end(Handlers) || It->Name != Name)
    return nullptr;
  return It->Compile;
}

} // namespace

Template parseTemplate(std::string_view Source, unsigned DjangoVersion) {
  Template T;
  if (Source.size() >= std::numeric_limits<uint32_t>::max()) {
    T.Errors.push_back({"Template is too large (4 GiB or more).", {0, 0}});
    return T;
  }
  // Nothing here throws but std::bad_alloc; even that must not escape into a
  // thread pool.
  try {
    Parser P(Source, Lexer(Source).tokenize(), T.Errors, DjangoVersion);
    T.Nodes = P.run();
  } catch (const std::exception &E) {
    T.Nodes.clear();
    T.Errors.push_back(
        {cat("Template could not be parsed: ", E.what()), {0, uint32_t(Source.size())}});
  }
  return T;
}

std::pair<unsigned, unsigned> lineColumn(std::string_view Source, uint32_t Offset) {
  size_t End = std::min<size_t>(Offset, Source.size());
  unsigned Line = 1;
  size_t LineStart = 0;
  for (size_t I = 0; I < End; ++I) {
    if (Source[I] == '\n') {
      ++Line;
      LineStart = I + 1;
    }
  }
  return {Line, unsigned(End - LineStart + 1)};
}

} // namespace nplus1::parse::tpl
