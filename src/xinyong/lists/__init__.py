"""Lists (serious dishonesty, key attention, red, abnormal operations, judgment debtors), measures, bans and
supervision (rectification, interviews, special campaigns)."""

from xinyong.portal.sections import SECTION_MODULES

if "xinyong.lists.portal_sections" not in SECTION_MODULES:
    SECTION_MODULES.append("xinyong.lists.portal_sections")  # the bans section of the public profile
