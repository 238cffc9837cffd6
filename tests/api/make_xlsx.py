#!/usr/bin/env python3
"""Writes test workbooks by hand (zipfile + XML text), independently of the
reader under test: `make_xlsx.py people OUT` (shared and inline strings,
a phonetic guide, a phone number stored as a number, dates by a built-in and
a Chinese custom format, a boolean, a gap between columns, an empty row) and
`make_xlsx.py bomb OUT MB` (a sheet of MB megabytes of blanks that deflates
to almost nothing)."""
import sys, zipfile

CT = '''<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="xml" ContentType="application/xml"/><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/></Types>'''
WB = '''<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><workbookPr/><sheets><sheet name="客户" sheetId="1" r:id="rId7"/><sheet name="Other" sheetId="2" r:id="rId8"/></sheets></workbook>'''
RELS = '''<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId8" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/other.xml"/><Relationship Id="rId7" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/people.xml"/></Relationships>'''
SST = '''<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" count="6" uniqueCount="6"><si><t>姓名</t></si><si><t>电话</t></si><si><t>生日</t></si><si><t>城市</t></si><si><r><t>王</t></r><r><rPr><b/></rPr><t>小明</t></r><rPh sb="0" eb="1"><t>ワン</t></rPh></si><si><t xml:space="preserve">Li, "Anna" </t></si></sst>'''
STYLES = '''<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<styleSheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><numFmts count="1"><numFmt numFmtId="176" formatCode="yyyy&quot;年&quot;m&quot;月&quot;d&quot;日&quot;"/></numFmts><cellStyleXfs count="1"><xf numFmtId="14"/></cellStyleXfs><cellXfs count="3"><xf numFmtId="0"/><xf numFmtId="14"/><xf numFmtId="176"/></cellXfs></styleSheet>'''
SHEET = '''<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>
<row r="1"><c r="A1" t="s"><v>0</v></c><c r="B1" t="s"><v>1</v></c><c r="C1" t="s"><v>2</v></c><c r="D1" t="s"><v>3</v></c><c r="E1" t="inlineStr"><is><t>VIP</t></is></c></row>
<row r="2"><c r="A2" t="s"><v>4</v></c><c r="B2"><v>13800138000</v></c><c r="C2" s="1"><v>33970</v></c><c r="D2" t="inlineStr"><is><t>北京</t></is></c><c r="E2" t="b"><v>1</v></c></row>
<row r="4"><c r="A4" t="s"><v>5</v></c><c r="B4"><v>1.3900139E10</v></c><c r="C4" s="2"><v>36526</v></c><c r="E4" t="str"><f>"x"</f><v>no</v></c></row>
</sheetData></worksheet>'''
OTHER = '''<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData><row r="1"><c r="A1" t="inlineStr"><is><t>wrong sheet</t></is></c></row></sheetData></worksheet>'''

def write(out, parts):
    with zipfile.ZipFile(out, 'w', zipfile.ZIP_DEFLATED) as z:
        for name, text in parts.items():
            z.writestr(name, text)

if sys.argv[1] == 'people':
    write(sys.argv[2], {'[Content_Types].xml': CT, 'xl/workbook.xml': WB, 'xl/_rels/workbook.xml.rels': RELS,
                        'xl/sharedStrings.xml': SST, 'xl/styles.xml': STYLES, 'xl/worksheets/people.xml': SHEET,
                        'xl/worksheets/other.xml': OTHER})
elif sys.argv[1] == 'bomb':
    mb = int(sys.argv[3])
    with zipfile.ZipFile(sys.argv[2], 'w', zipfile.ZIP_DEFLATED, compresslevel=9) as z:
        z.writestr('[Content_Types].xml', CT)
        z.writestr('xl/workbook.xml', WB.replace('rId7', 'rId1'))
        with z.open('xl/worksheets/sheet1.xml', 'w', force_zip64=True) as f:
            f.write(b'<?xml version="1.0"?><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>')
            chunk = b' ' * (1 << 20)
            for _ in range(mb):
                f.write(chunk)
            f.write(b'</sheetData></worksheet>')
