"""Canonical sources the bot cites: one title and URL each, referenced by key."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Source:
    """A citation: a title and where to read it."""

    title: str
    url: str

    def to_dict(self) -> dict[str, str]:
        """JSON-safe form."""
        return {"title": self.title, "url": self.url}


SOURCES: dict[str, Source] = {
    "ea1996-s436a": Source(
        "Education Act 1996, section 436A (duty to identify children missing education)",
        "https://www.legislation.gov.uk/ukpga/1996/56/section/436A",
    ),
    "ea1996-s7": Source(
        "Education Act 1996, section 7 (duty of parents to secure education)",
        "https://www.legislation.gov.uk/ukpga/1996/56/section/7",
    ),
    "ea1996-s8": Source(
        "Education Act 1996, section 8 (compulsory school age)",
        "https://www.legislation.gov.uk/ukpga/1996/56/section/8",
    ),
    "ea1996-s437": Source(
        "Education Act 1996, section 437 (school attendance orders)",
        "https://www.legislation.gov.uk/ukpga/1996/56/section/437",
    ),
    "leaving-date-order": Source(
        "The Education (School Leaving Date) Order 1997",
        "https://www.legislation.gov.uk/uksi/1997/1970/made",
    ),
    "dfe-cme-guidance": Source(
        "DfE statutory guidance: Children missing education (8 September 2025)",
        "https://www.gov.uk/government/publications/children-missing-education",
    ),
    "dfe-cme-collection": Source(
        "DfE: Children missing education, methodology (the councils' termly collection: census dates, data items; "
        "mandatory since autumn 2024)",
        "https://explore-education-statistics.service.gov.uk/methodology/children-missing-education",
    ),
    "cwsa-2026": Source(
        "Children's Wellbeing and Schools Act 2026 (inserts sections 436B to 436G into the Education Act 1996; "
        "not yet in force)",
        "https://bills.parliament.uk/bills/3909",
    ),
    "working-together-attendance": Source(
        "DfE statutory guidance: Working together to improve school attendance (from 19 August 2024)",
        "https://www.gov.uk/government/publications/working-together-to-improve-school-attendance",
    ),
    "registration-regs-2024": Source(
        "The School Attendance (Pupil Registration) (England) Regulations 2024 (SI 2024/208)",
        "https://www.legislation.gov.uk/uksi/2024/208/contents/made",
    ),
    "children-act-2004": Source(
        "Children Act 2004 (co-operation to improve well-being; safeguarding)",
        "https://www.legislation.gov.uk/ukpga/2004/31/contents",
    ),
    "ehe-guidance": Source(
        "DfE guidance: Elective home education (for local authorities)",
        "https://www.gov.uk/government/publications/elective-home-education",
    ),
    "dpa2018-sch1": Source(
        "Data Protection Act 2018, Schedule 1 paragraph 18 (safeguarding of children)",
        "https://www.legislation.gov.uk/ukpga/2018/12/schedule/1",
    ),
    "info-sharing-advice": Source(
        "DfE: Information sharing advice for safeguarding practitioners",
        "https://www.gov.uk/government/publications/safeguarding-practitioners-information-sharing-advice",
    ),
    "dfe-cme-statistics": Source(
        "DfE statistics: Children missing education (official statistics in development; autumn term 2025/26)",
        "https://explore-education-statistics.service.gov.uk/find-statistics/children-missing-education",
    ),
    "county-lines": Source(
        "Home Office: Criminal exploitation of children and vulnerable adults: county lines",
        "https://www.gov.uk/government/publications/criminal-exploitation-of-children-and-vulnerable-adults-county-lines",
    ),
    "gm-missing-procedures": Source(
        "Greater Manchester Safeguarding Procedures: children missing from home, care or education",
        "https://greatermanchesterscb.proceduresonline.com/",
    ),
    "dfe-missing-from-home": Source(
        "DfE statutory guidance: Children who run away or go missing from home or care",
        "https://www.gov.uk/government/publications/children-who-run-away-or-go-missing-from-home-or-care",
    ),
    "school-admissions-code": Source(
        "DfE statutory guidance: School admissions code",
        "https://www.gov.uk/government/publications/school-admissions-code--2",
    ),
    "bury-briefing": Source(
        "Bury Safeguarding Partnership: 7 Minute Briefing, Children Missing From Education",
        "https://www.bury.gov.uk/children-and-young-people/children-missing-from-education",
    ),
    "bury-cme-page": Source(
        "Bury Council: Children missing from education",
        "https://www.bury.gov.uk/children-and-young-people/children-missing-from-education",
    ),
    "bury-safeguarding-partnership": Source(
        "Bury Integrated Safeguarding Partnership: What to do if you are worried a child is being abused "
        "(MASH and Emergency Duty Team)",
        "https://burysafeguardingpartnership.bury.gov.uk/index.aspx?articleid=8925",
    ),
    "working-together-safeguarding": Source(
        "HM Government statutory guidance: Working together to safeguard children (2023)",
        "https://www.gov.uk/government/publications/working-together-to-safeguard-children--2",
    ),
    "pupil-information-regs": Source(
        "The Education (Pupil Information) (England) Regulations 2005 (the common transfer file)",
        "https://www.legislation.gov.uk/uksi/2005/1437/contents/made",
    ),
    "school-census-guide": Source(
        "DfE: Complete the school census, autumn term (unique pupil number)",
        "https://www.gov.uk/guidance/complete-the-school-census/autumn-term",
    ),
    "exclusion-guidance": Source(
        "DfE statutory guidance: Suspension and permanent exclusion from maintained schools, academies and pupil "
        "referral units in England",
        "https://www.gov.uk/government/publications/school-exclusion",
    ),
    "excluded-pupils-regs": Source(
        "The Education (Provision of Full-Time Education for Excluded Pupils) (England) Regulations 2007 "
        "(provision from the sixth school day)",
        "https://www.legislation.gov.uk/uksi/2007/1870/contents/made",
    ),
    "ea1996-s19": Source(
        "Education Act 1996, section 19 (the council's duty to arrange suitable education for a child out of school)",
        "https://www.legislation.gov.uk/ukpga/1996/56/section/19",
    ),
    "esa2008-part4": Source(
        "Education and Skills Act 2008, Part 4 (independent educational institutions must be registered)",
        "https://www.legislation.gov.uk/ukpga/2008/25/part/4",
    ),
    "local-profile": Source(
        "The council's local authority profile in this bot (contacts and office hours)",
        "https://www.bury.gov.uk/",
    ),
}


def source(key: str) -> Source:
    """The canonical source for a key (KeyError names an unknown key)."""
    return SOURCES[key]
