"""Whose Zoom account the simulator is: the demo agency's clients, each with its own events.

A :class:`Company` is one client of the demo agency: its name, e-mail domain, hosts, the people
who register for its events, and the plan of its events (topics, hosts, dates, registrant and
attendance counts). builder.py turns a company and a seed into an account; every company has
the same kinds of events (what :data:`data.TAGS` promises: a large webinar, a '/'-UUID, a
recurring series, a live meeting, one too old for reports …), so a test built around a tag
works on any client, but the topics, hosts and numbers are that client's own.

Each demo scenario is one client (:data:`SCENARIO_COMPANIES`): the scenario says what is wrong
with the client's app, the company whose account it is. Other scenarios (``wrong_account``,
``missing:…``) show the default company, Northwind Traders.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import NamedTuple


class Slot(NamedTuple):
    """One event of a company's plan (its kind comes from where it sits in the plan)."""

    topic: str
    host: int = 0  # index into the company's hosts; the event uses that host's time zone
    days: int = 0  # from now; negative in the past
    at: str = "12:00"  # local start, in the host's time zone
    minutes: int = 60
    approval: int = 0  # 0 automatic, 1 manual, 2 no registration
    counts: tuple[int, int, int] = (0, 0, 0)  # registrants: approved, pending, denied
    attending: int = 0  # approved registrants in the report; walk-ins without registration
    guests: int = 0  # report rows of people who did not register (phones, rooms)


@dataclass(frozen=True)
class Audience:
    """Who registers for a company's events: picked from these, independently."""

    orgs: tuple[str, ...]
    jobs: tuple[str, ...]
    countries: tuple[str, ...]


@dataclass(frozen=True)
class Company:
    """One simulated client account: who it is and what its events are.

    ``seed_offset`` is added to the simulator's seed, so that each company has its own data
    for one seed; Northwind Traders' is 0 (the tests' numbers were taken from that stream).
    """

    key: str
    name: str
    domain: str
    seed_offset: int
    hosts: tuple[tuple[str, str, str], ...]  # first name, last name, time zone; owner first
    audience: Audience
    upcoming_webinars: tuple[Slot, ...]
    upcoming_meetings: tuple[Slot, ...]
    live: Slot  # a meeting without registration that started 20 minutes ago
    series: Slot  # weekly meeting series (type 8): four past occurrences, the next in ``days``
    keynote: Slot  # the large past webinar: over 1,000 approved registrants, and over
    # 1,000 report rows from its attendees, guests and the host (before any rejoin)
    masterclass: Slot  # past webinar whose UUID starts with '/'; two registrants share a name
    namesakes: tuple[str, str]  # the name those two share
    past_webinars: tuple[Slot, ...]
    old_webinar: Slot  # about 13 months ago: unlisted, its report refused
    board: Slot  # past meeting whose UUID contains '//'
    past_meetings: tuple[Slot, ...]
    walk_in: Slot  # past meeting without registration; ``attending`` people walked in
    just_ended: Slot  # meeting that ended ten minutes ago: its report is not ready
    old_meeting: Slot  # about 13 months ago, without registration

    def slots(self) -> tuple[Slot, ...]:
        """Every slot of the plan (for checks over all topics)."""
        return (
            *self.upcoming_webinars,
            *self.upcoming_meetings,
            self.live,
            self.series,
            self.keynote,
            self.masterclass,
            *self.past_webinars,
            self.old_webinar,
            self.board,
            *self.past_meetings,
            self.walk_in,
            self.just_ended,
            self.old_meeting,
        )

    @property
    def people_needed(self) -> int:
        """The size of the pool registrants are drawn from: enough for the largest event."""
        largest = max(sum(slot.counts) for slot in self.slots())
        return max(1500, largest + 100)


# Fictitious organisations for registrants: none of them is a client of the demo agency.
_ORGS = (
    "Wide World Importers",
    "Woodgrove Bank",
    "Proseware",
    "Coho Winery",
    "Alpine Ski House",
    "Fourth Coffee",
    "Trey Research",
    "Wingtip Toys",
    "Lucerne Publishing",
    "Margie's Travel",
    "Blue Yonder Airlines",
    "Humongous Insurance",
    "City Power & Light",
    "Graphic Design Institute",
    "School of Fine Art",
    "Southridge Video",
)

# fmt: off
# (The plans below are tables: one event per line, columns as in Slot.)

NORTHWIND = Company(
    key="northwind",
    name="Northwind Traders",
    domain="northwindtraders.com",
    seed_offset=0,
    hosts=(
        ("Avery", "Quinn", "America/New_York"),
        ("Mathilde", "Roux", "Europe/Paris"),
        ("Kenji", "Sato", "Asia/Tokyo"),
        ("Priya", "Raman", "America/Los_Angeles"),
    ),
    # (The lengths of these three are part of the seeded stream: keep them.)
    audience=Audience(
        orgs=("", "", "Wide World Importers", "Coho Winery", "Fourth Coffee", "Alpine Ski House",
              "Margie's Travel", "Lucerne Publishing", "Trey Research"),
        jobs=("", "", "Buyer", "Chef", "Category Manager", "Store Owner", "Purchasing Director",
              "Consultant"),
        countries=("US", "US", "FR", "JP", "GB", "DE", "CA", "AU", "IN", "BR"),
    ),
    upcoming_webinars=(
        Slot("Spring Catalogue Preview: New Specialty Foods", 0, 6, "11:00", 60, 0, (74, 0, 2)),
        Slot("Bien démarrer avec le portail de commande Northwind", 1, 12, "10:30", 45, 1,
             (28, 9, 3)),
        Slot("Sourcing from Asia-Pacific Growers", 2, 20, "14:00", 60, 0, (55, 0, 0)),
        Slot("Food Safety & Traceability Deep Dive", 0, 27, "13:00", 90, 1, (84, 31, 5)),
        Slot("Customer Success Roundtable", 3, 41, "09:00", 60, 2),
        Slot("Holiday Gift Baskets Range Preview", 1, 55, "16:00", 60, 0, (10, 0, 0)),
    ),
    upcoming_meetings=(
        Slot("Onboarding: New Wholesale Accounts", 0, 2, "10:00", 45, 2),
        Slot("Quarterly Business Review", 1, 9, "15:00", 60, 1, (8, 3, 1)),
        Slot("Tokyo Distributor Sync", 2, 15, "09:30", 30, 2),
        Slot("Office Hours: Ordering Portal", 3, 18, "08:00", 60, 0, (25, 0, 0)),
        Slot("Supplier Onboarding Workshop", 0, 33, "13:30", 90, 0, (30, 0, 1)),
        Slot("Board Prep", 1, 47, "11:00", 60, 2),
    ),
    live=Slot("Daily Support Stand-up", 3, minutes=60),
    series=Slot("Weekly Customer Office Hours", 0, 2, "12:00", 60, 0, (44, 0, 3), 22),
    keynote=Slot("Northwind Annual Summit Keynote", 0, -24, "12:00", 120, 1, (1180, 80, 30), 960,
                 40),
    masterclass=Slot("Data Privacy Masterclass", 1, -41, "14:00", 60, 1, (70, 12, 8), 48, 6),
    namesakes=("Jordan", "Lee"),
    past_webinars=(
        Slot("Getting Started with Dashboards", 2, -97, "12:00", 60, 0, (60, 0, 2), 41, 2),
        Slot("Q4 Kickoff", 0, -140, "12:00", 60, 1, (35, 4, 2), 27, 2),
    ),
    old_webinar=Slot("Launch Event 2025", 0, -395, "12:00", 60, 0, (30, 0, 0), 20, 1),
    board=Slot("Customer Advisory Board", 0, -33, "11:00", 90, 1, (30, 6, 4), 21, 2),
    past_meetings=(
        Slot("Renewal Planning", 2, -75, "10:00", 60, 0, (18, 0, 1), 12, 1),
    ),
    walk_in=Slot("Internal Retrospective", 1, -10, "16:00", 45, 2, attending=7, guests=1),
    just_ended=Slot("Support Escalation Review", 0, minutes=30, approval=2, attending=5, guests=1),
    old_meeting=Slot("Legacy Kickoff Call", 3, -400, "09:00", 60, 2, attending=6, guests=1),
)

CONTOSO = Company(
    key="contoso",
    name="Contoso",
    domain="contoso.com",
    seed_offset=101,
    hosts=(
        ("Dana", "Whitfield", "America/Chicago"),
        ("Marcus", "Bell", "America/New_York"),
        ("Elif", "Yilmaz", "Europe/London"),
        ("Rahul", "Iyer", "Asia/Singapore"),
    ),
    audience=Audience(
        orgs=("", "", "", *_ORGS[:8]),
        jobs=("", "Business Owner", "Financial Controller", "Accountant", "Retiree",
              "Treasury Analyst", "Founder"),
        countries=("US", "US", "US", "GB", "GB", "SG", "CA", "IE"),
    ),
    upcoming_webinars=(
        Slot("Market Outlook: The Year Ahead", 1, 4, "12:00", 60, 0, (212, 0, 4)),
        Slot("Retirement Planning for Small Business Owners", 0, 11, "13:00", 45, 1,
             (63, 18, 6)),
        Slot("Understanding Your Business Credit Line", 0, 18, "11:00", 45, 0, (97, 0, 1)),
        Slot("Year-End Tax Checklist", 2, 25, "12:30", 60, 0, (148, 0, 3)),
        Slot("APAC Investor Briefing", 3, 32, "10:00", 60, 1, (41, 12, 2)),
        Slot("Contoso Wealth Client Forum", 1, 52, "17:00", 90, 2),
    ),
    upcoming_meetings=(
        Slot("New Advisor Orientation", 0, 3, "09:00", 60, 2),
        Slot("Branch Managers' Monthly Review", 0, 8, "14:00", 60, 1, (14, 2, 0)),
        Slot("Compliance Training: Know Your Customer", 2, 16, "10:00", 90, 0, (38, 0, 0)),
        Slot("Singapore Desk Sync", 3, 21, "09:00", 30, 2),
        Slot("Loan Committee", 0, 39, "15:00", 60, 2),
    ),
    live=Slot("Trading Desk Morning Huddle", 1, minutes=45),
    series=Slot("Weekly Advisor Office Hours", 2, 3, "12:00", 60, 0, (61, 0, 2), 28),
    keynote=Slot("Contoso Investor Day Keynote", 0, -31, "13:00", 120, 1, (1240, 95, 22), 1010,
                 25),
    masterclass=Slot("Fraud Prevention Masterclass", 0, -45, "11:00", 60, 1, (88, 10, 6), 55, 4),
    namesakes=("Alex", "Morgan"),
    past_webinars=(
        Slot("First-Time Investor Basics", 2, -88, "12:00", 60, 0, (120, 0, 5), 83, 3),
        Slot("Quarterly Earnings Call: Q3", 1, -38, "16:00", 60, 1, (75, 8, 3), 52, 2),
    ),
    old_webinar=Slot("Open Banking Launch 2025", 1, -402, "12:00", 60, 0, (44, 0, 0), 29, 1),
    board=Slot("Client Advisory Council", 0, -27, "11:00", 90, 1, (26, 5, 3), 19, 2),
    past_meetings=(
        Slot("Portfolio Review Planning", 3, -60, "10:00", 60, 0, (16, 0, 1), 11, 1),
    ),
    walk_in=Slot("Risk Team Retrospective", 2, -6, "15:00", 45, 2, attending=9, guests=1),
    just_ended=Slot("Payments Incident Review", 0, minutes=30, approval=2, attending=6, guests=1),
    old_meeting=Slot("Branch Network Kickoff", 3, -410, "09:00", 60, 2, attending=8, guests=1),
)

FABRIKAM = Company(
    key="fabrikam",
    name="Fabrikam",
    domain="fabrikam.com",
    seed_offset=202,
    hosts=(
        ("Greta", "Vogel", "Europe/Berlin"),
        ("Luis", "Ortega", "America/Chicago"),
        ("Tomas", "Novak", "Europe/Berlin"),
        ("Hannah", "Cole", "America/Denver"),
    ),
    audience=Audience(
        orgs=("", "", "Proseware", "City Power & Light", "Wide World Importers", "Coho Winery",
              "Trey Research"),
        jobs=("", "Maintenance Engineer", "Plant Manager", "Service Technician",
              "Procurement Lead", "Distributor", "Operations Director"),
        countries=("DE", "DE", "US", "US", "PL", "CZ", "MX", "AT", "NL"),
    ),
    upcoming_webinars=(
        Slot("Predictive Maintenance for Packaging Lines", 0, 5, "10:00", 60, 0, (131, 0, 3)),
        Slot("Fabrikam Series 9 Compressor Launch", 1, 13, "11:00", 60, 1, (96, 22, 4)),
        Slot("Distributor Pricing Update", 2, 19, "09:00", 45, 1, (34, 6, 1)),
        Slot("Energy Efficiency in Heavy Industry", 0, 30, "14:00", 75, 0, (58, 0, 0)),
        Slot("Spare Parts Portal Walkthrough", 3, 44, "10:30", 45, 2),
    ),
    upcoming_meetings=(
        Slot("Plant Safety Refresher", 0, 2, "07:30", 45, 2),
        Slot("Dealer Territory Review", 0, 10, "15:00", 60, 1, (11, 2, 1)),
        Slot("CNC Line Upgrade Planning", 2, 14, "08:00", 90, 2),
        Slot("Service Technician Certification", 3, 23, "08:30", 120, 0, (18, 0, 2)),
        Slot("Supplier Quality Audit Prep", 0, 36, "13:00", 60, 2),
    ),
    live=Slot("Shift Handover: Line 3", 0, minutes=30),
    series=Slot("Weekly Dealer Office Hours", 1, 4, "16:00", 60, 0, (39, 0, 1), 18),
    keynote=Slot("Fabrikam Partner Summit Keynote", 0, -19, "15:00", 120, 1, (1065, 48, 17),
                 1002, 12),
    masterclass=Slot("Lean Manufacturing Masterclass", 3, -52, "10:00", 60, 1, (64, 9, 5), 40,
                     5),
    namesakes=("Jan", "Kowalski"),
    past_webinars=(
        Slot("Robotics Cell Safety Basics", 2, -90, "09:00", 60, 0, (49, 0, 1), 33, 2),
        Slot("Hydraulics Troubleshooting Clinic", 0, -126, "10:00", 60, 1, (42, 5, 2), 30, 2),
    ),
    old_webinar=Slot("Factory of the Future Tour 2025", 0, -398, "14:00", 60, 0, (37, 0, 0), 24,
                     1),
    board=Slot("Key Accounts Steering Committee", 0, -36, "10:00", 90, 1, (24, 4, 2), 17, 2),
    past_meetings=(
        Slot("Warranty Claims Review", 2, -70, "09:00", 60, 0, (15, 0, 1), 10, 1),
    ),
    walk_in=Slot("Line 2 Downtime Retrospective", 0, -8, "14:00", 45, 2, attending=6, guests=1),
    just_ended=Slot("Quality Escalation Call", 2, minutes=30, approval=2, attending=4, guests=1),
    old_meeting=Slot("ERP Cutover Kickoff", 3, -405, "09:00", 60, 2, attending=7, guests=1),
)

TAILSPIN = Company(
    key="tailspin",
    name="Tailspin Toys",
    domain="tailspintoys.com",
    seed_offset=303,
    hosts=(
        ("Jamie", "Rivera", "America/Los_Angeles"),
        ("Sam", "Okoro", "Europe/London"),
        ("Mia", "Hoffmann", "Europe/Berlin"),
        ("Lucas", "Ferreira", "America/Sao_Paulo"),
    ),
    audience=Audience(
        orgs=("", "", "Wingtip Toys", "Southridge Video", "Graphic Design Institute",
              "School of Fine Art", "Lucerne Publishing"),
        jobs=("", "Toy Buyer", "Store Owner", "Category Manager", "Teacher", "Merchandiser"),
        countries=("US", "US", "US", "GB", "GB", "DE", "BR", "CA", "AU"),
    ),
    upcoming_webinars=(
        Slot("Holiday Toy Showcase for Retailers", 0, 3, "10:00", 60, 0, (388, 0, 9)),
        Slot("Spring Toy Line Preview", 1, 15, "14:00", 60, 1, (142, 37, 8)),
        Slot("Toy Safety Standards Update (EN 71)", 2, 22, "11:00", 45, 0, (67, 0, 2)),
        Slot("Building a STEM Toy Aisle", 0, 29, "09:30", 45, 0, (91, 0, 0)),
        Slot("Lançamento da linha de verão no Brasil", 3, 34, "15:00", 60, 1, (48, 11, 2)),
    ),
    upcoming_meetings=(
        Slot("Packaging Design Review", 2, 6, "13:00", 45, 2),
        Slot("Independent Toy Stores Roundtable", 0, 8, "11:00", 60, 1, (16, 5, 2)),
        Slot("Warehouse Peak Season Planning", 1, 12, "10:00", 60, 2),
        Slot("Toy Fair Booth Briefing", 0, 40, "09:00", 60, 0, (27, 0, 0)),
        Slot("Licensing Partner Check-in", 3, 50, "14:00", 30, 2),
    ),
    live=Slot("Warehouse Morning Stand-up", 1, minutes=30),
    series=Slot("Weekly Retailer Office Hours", 0, 5, "10:00", 60, 0, (52, 0, 4), 24),
    keynote=Slot("Tailspin Toys Holiday Preview Keynote", 0, -58, "09:00", 90, 1,
                 (1530, 140, 45), 1180, 60),
    masterclass=Slot("Play Safety Testing Masterclass", 2, -37, "14:00", 60, 1, (77, 14, 9), 50,
                     6),
    namesakes=("Chris", "Taylor"),
    past_webinars=(
        Slot("Back-to-School Buyer Briefing", 1, -110, "15:00", 60, 0, (156, 0, 3), 104, 3),
        Slot("Collectibles Launch Recap", 0, -16, "10:00", 45, 1, (63, 7, 2), 44, 2),
    ),
    old_webinar=Slot("Toy Fair Digital Preview 2025", 1, -392, "14:00", 60, 0, (52, 0, 0), 35,
                     2),
    board=Slot("Retail Partner Advisory Board", 0, -29, "11:00", 90, 1, (28, 6, 3), 20, 2),
    past_meetings=(
        Slot("Returns Process Review", 3, -64, "10:00", 60, 0, (12, 0, 1), 9, 1),
    ),
    walk_in=Slot("Design Sprint Retrospective", 2, -12, "16:00", 45, 2, attending=8, guests=1),
    just_ended=Slot("Shipping Delay Escalation", 0, minutes=30, approval=2, attending=5,
                    guests=1),
    old_meeting=Slot("Distribution Centre Kickoff", 1, -404, "09:00", 60, 2, attending=6,
                     guests=1),
)

LITWARE = Company(
    key="litware",
    name="Litware",
    domain="litwareinc.com",
    seed_offset=404,
    hosts=(
        ("Ravi", "Menon", "Asia/Kolkata"),
        ("Sofia", "Lindqvist", "Europe/Stockholm"),
        ("Marcus", "Webb", "America/Los_Angeles"),
        ("Yuki", "Tanabe", "Asia/Tokyo"),
    ),
    audience=Audience(
        orgs=("", "", "Proseware", "Trey Research", "Humongous Insurance", "Woodgrove Bank",
              "Blue Yonder Airlines"),
        jobs=("", "Developer", "Software Architect", "DevOps Engineer", "CTO", "Product Manager",
              "IT Administrator"),
        countries=("IN", "IN", "US", "US", "SE", "JP", "DE", "GB", "SG"),
    ),
    # The Webinar add-on lapsed: the webinars were scheduled before, and Zoom now refuses them.
    upcoming_webinars=(
        Slot("Litware 12.0: What's New", 0, 9, "10:00", 60, 0, (176, 0, 4)),
        Slot("Migrating to Litware Cloud", 1, 17, "14:00", 60, 1, (88, 19, 3)),
        Slot("API Rate Limits Explained", 2, 31, "16:00", 45, 0, (45, 0, 1)),
    ),
    upcoming_meetings=(
        Slot("Developer Office Hours: SDK Q&A", 0, 2, "18:00", 60, 0, (33, 0, 0)),
        Slot("Customer Onboarding Call", 2, 4, "09:00", 45, 2),
        Slot("Sprint Review", 1, 6, "13:00", 60, 2),
        Slot("Partner Integration Clinic", 3, 11, "10:00", 60, 1, (19, 6, 2)),
        Slot("Security Review with Auditors", 1, 20, "11:00", 90, 1, (7, 1, 0)),
        Slot("Release Planning 12.1", 2, 27, "10:00", 60, 2),
        Slot("Tokyo User Group Meetup", 3, 38, "19:00", 90, 0, (52, 0, 2)),
    ),
    live=Slot("Engineering Stand-up", 0, minutes=30),
    series=Slot("Weekly Support Clinic", 2, 3, "09:00", 60, 0, (57, 0, 2), 25),
    keynote=Slot("Litware DevCon Keynote", 2, -47, "09:00", 120, 1, (1310, 66, 25), 1050, 30),
    masterclass=Slot("Secure Coding Masterclass", 1, -26, "14:00", 60, 1, (93, 15, 7), 61, 5),
    namesakes=("Sam", "Patel"),
    past_webinars=(
        Slot("Getting Started with the Litware API", 0, -84, "15:00", 60, 0, (134, 0, 4), 92, 3),
        Slot("Litware 11.5 Release Walkthrough", 2, -133, "10:00", 60, 1, (71, 9, 3), 49, 2),
    ),
    old_webinar=Slot("Litware Cloud Launch 2025", 2, -396, "10:00", 60, 0, (64, 0, 0), 41, 1),
    board=Slot("Enterprise Customer Council", 0, -35, "17:00", 90, 1, (23, 5, 2), 16, 2),
    past_meetings=(
        Slot("Contract Renewal Review", 3, -71, "10:00", 60, 0, (13, 0, 1), 9, 1),
    ),
    walk_in=Slot("Incident Postmortem: Login Outage", 0, -9, "15:00", 45, 2, attending=10,
                 guests=1),
    just_ended=Slot("Hotfix Go/No-Go", 1, minutes=30, approval=2, attending=6, guests=1),
    old_meeting=Slot("Platform Rewrite Kickoff", 2, -401, "09:00", 60, 2, attending=7, guests=1),
)

ADVENTURE_WORKS = Company(
    key="adventure_works",
    name="Adventure Works",
    domain="adventure-works.com",
    seed_offset=505,
    hosts=(
        ("Noah", "Bennett", "America/Denver"),
        ("Ines", "Garcia", "Europe/Madrid"),
        ("Oliver", "Grant", "Australia/Sydney"),
        ("Chloe", "Dupont", "America/Toronto"),
    ),
    audience=Audience(
        orgs=("", "", "", "Alpine Ski House", "Margie's Travel", "Blue Yonder Airlines",
              "Fourth Coffee"),
        jobs=("", "", "Bike Mechanic", "Store Manager", "Guide", "Dealer", "Coach"),
        countries=("US", "US", "CA", "CA", "ES", "AU", "NZ", "GB", "FR"),
    ),
    upcoming_webinars=(
        Slot("Winter Trail Riding Essentials", 0, 7, "18:00", 60, 0, (164, 0, 5)),
        Slot("E-Bike Maintenance Basics", 1, 14, "19:00", 45, 0, (119, 0, 2)),
        Slot("Dealer Spring Inventory Update", 0, 24, "10:00", 60, 1, (37, 8, 2)),
        Slot("Bikepacking Route Planning", 2, 35, "18:30", 60, 0, (73, 0, 1)),
        Slot("Adventure Works Mountain Series Launch", 3, 48, "12:00", 60, 1, (205, 44, 11)),
    ),
    upcoming_meetings=(
        Slot("Store Opening Checklist", 3, 3, "08:00", 45, 2),
        Slot("Bike Fitting Certification", 1, 10, "09:00", 120, 0, (12, 0, 0)),
        Slot("Trail Ambassador Meetup", 2, 16, "17:00", 60, 1, (21, 4, 1)),
        Slot("Supplier Lead-Time Review", 0, 19, "11:00", 60, 2),
        Slot("Regional Sales Huddle", 3, 26, "09:30", 30, 2),
    ),
    live=Slot("Workshop Team Huddle", 3, minutes=40),
    series=Slot("Weekly Service Clinic for Dealers", 0, 6, "11:00", 60, 0, (46, 0, 2), 20),
    keynote=Slot("Adventure Works Season Opener Keynote", 0, -67, "11:00", 90, 1,
                 (1120, 58, 19), 1003, 22),
    masterclass=Slot("Wheel Building Masterclass", 1, -21, "18:00", 60, 1, (58, 11, 6), 37, 4),
    namesakes=("Maria", "Garcia"),
    past_webinars=(
        Slot("Avalanche Safety Awareness", 2, -102, "19:00", 60, 0, (186, 0, 3), 131, 3),
        Slot("Road Bike Buyer's Guide", 0, -49, "12:00", 60, 1, (52, 6, 2), 35, 2),
    ),
    old_webinar=Slot("Summer Trails Launch 2025", 0, -393, "12:00", 60, 0, (48, 0, 0), 31, 1),
    board=Slot("Dealer Advisory Council", 0, -30, "10:00", 90, 1, (25, 5, 3), 18, 2),
    past_meetings=(
        Slot("Sponsorship Planning", 2, -77, "10:00", 60, 0, (14, 0, 1), 10, 1),
    ),
    walk_in=Slot("Store Visit Debrief", 1, -5, "17:00", 45, 2, attending=6, guests=1),
    just_ended=Slot("Product Recall Briefing", 0, minutes=30, approval=2, attending=7, guests=1),
    old_meeting=Slot("Loyalty Programme Kickoff", 3, -399, "09:00", 60, 2, attending=5,
                     guests=1),
)
# fmt: on

COMPANIES: dict[str, Company] = {
    company.key: company
    for company in (NORTHWIND, CONTOSO, FABRIKAM, TAILSPIN, LITWARE, ADVENTURE_WORKS)
}
DEFAULT_COMPANY = NORTHWIND.key

# The demo agency: whose account each demo scenario is.
SCENARIO_COMPANIES: dict[str, str] = {
    "full": NORTHWIND.key,
    "missing_scopes": CONTOSO.key,
    "classic": FABRIKAM.key,
    "wrong_secret": TAILSPIN.key,
    "no_webinar_plan": LITWARE.key,
    "disabled_app": ADVENTURE_WORKS.key,
}


def company_for(scenario: str) -> Company:
    """The company whose account a scenario shows (Northwind Traders for any other)."""
    return COMPANIES[SCENARIO_COMPANIES.get(scenario, DEFAULT_COMPANY)]
