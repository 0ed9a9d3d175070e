"""Industry associations (T31): member lists and the association's own member credit information."""

from xinyong.portal.sections import SECTION_MODULES

if "xinyong.associations.portal_sections" not in SECTION_MODULES:
    SECTION_MODULES.append("xinyong.associations.portal_sections")  # labelled association information on profiles
