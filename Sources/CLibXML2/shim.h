// libxml2's SAX2 interface (the parser Foundation's XMLParser wraps), for the DMARC report reader.
// Debian builds libxml2 with ICU, whose headers clash with the ICU module Foundation brings; only
// an encoding handler's private fields depend on it, and nothing here touches them.
#include <libxml/xmlversion.h>
#undef LIBXML_ICU_ENABLED
#include <libxml/parser.h>
#include <libxml/SAX2.h>
#include <libxml/xmlerror.h>
