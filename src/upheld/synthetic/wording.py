"""The phrase book for synthetic decisions: what people complain of, how councils put it right."""

from __future__ import annotations

import re
from dataclasses import dataclass

from upheld.core.vocabulary import SERVICE_AREAS

UPPER = ("county", "metropolitan", "unitary", "london_borough", "other")
"""Councils with social care, education and highways duties."""
LOWER = ("district", "metropolitan", "unitary", "london_borough", "other")
"""Councils with housing, benefits, waste collection and local planning duties."""


@dataclass(frozen=True)
class Topic:
    """A subcategory of a service area: how complaints about it are put, and how remedied."""

    subcategory: str
    weight: float
    types: tuple[str, ...]
    about: tuple[str, ...]
    complained: tuple[str, ...]
    actions: tuple[str, ...]
    remedied: tuple[str, ...]
    improvements: tuple[str, ...]
    payments: tuple[int, ...]


# The phrase book. "= area" starts a service area (with its usual payments); "- subcategory
# (weight)" starts a topic, followed by "upper" or "lower" when only one tier of council does it.
# Placeholders: {X} the complainant as the decision calls them ("Mrs X"), {his} and {him} their
# pronouns, {child} a child, {rel} an adult relative. "complained" phrases follow "Mrs X
# complained"; "about" phrases follow "a complaint about"; "action" and "improve" phrases follow
# "agreed to"; "remedied" phrases follow "the Council had already".
PHRASES = """
= Adult care services
payments: 150 200 250 300 350 400 500 750 1000

- Assessment and care planning (4)
about: {his} {rel}'s care and support assessment
about: the Council's assessment of {his} care needs
complained: the Council delayed assessing {his} {rel}'s care needs
complained: the Council reduced {his} care package without a proper reassessment
complained: the Council did not properly consider {his} {rel}'s needs when reviewing the care plan
complained: about the way the Council assessed {his} eligibility for care and support
action: complete a new assessment of {his} {rel}'s needs
action: review the care plan with {X} and {his} {rel}
remedied: apologised and completed a new assessment
remedied: apologised and restored the care package
improve: review its procedures for prioritising care assessments
improve: remind social workers to record the reasons for changes to care packages
improve: remind staff to keep people informed when an assessment is delayed

- Residential care (3)
about: {his} {rel}'s care in a residential home
about: a care home placement the Council arranged
complained: about the standard of care {his} {rel} received in a care home the Council arranged
complained: the Council failed to act on {his} concerns about {his} {rel}'s care home
complained: the Council did not explain a top-up fee before {his} {rel} moved into a care home
action: waive the top-up fees charged to {X}
action: review the care home's action plan and tell {X} the outcome
remedied: apologised and waived the top-up fees
remedied: arranged a move to another care home and apologised
improve: review how it explains top-up fees to people choosing a care home
improve: remind commissioning staff to follow up concerns raised about care providers

- Charging (2)
about: the Council's charges for {his} {rel}'s care
about: a financial assessment for care charges
complained: the Council wrongly charged {his} {rel} for care
complained: the Council did not explain how it worked out the contribution towards the cost of care
complained: the Council delayed a financial assessment, leaving {his} {rel} with an unexpected bill
action: carry out a new financial assessment
action: refund the charges it wrongly made
action: write off the charges that built up during its delay
remedied: refunded the charges and apologised
remedied: written off the disputed charges
improve: review its procedures for completing financial assessments promptly
improve: remind staff to explain care charges in writing before care starts

- Home care (2)
about: home care visits for {his} {rel}
about: the home care the Council arranged for {him}
complained: carers arranged by the Council often arrived late or missed visits to {his} {rel}
complained: the Council failed to arrange enough home care after {his} {rel} left hospital
complained: the Council did not deal properly with {his} concerns about a home care agency
action: reduce the care charges to reflect the missed visits
action: review the care provider's performance and share the outcome with {X}
remedied: reduced the charges for the missed visits
remedied: changed care provider and apologised
improve: review how it monitors missed and late home care visits
improve: remind staff to act on reports of missed visits within five working days

- Safeguarding (1.5)
about: a safeguarding enquiry about {his} {rel}
complained: the Council did not properly investigate safeguarding concerns about {his} {rel}
complained: the Council's safeguarding enquiry reached conclusions without speaking to {him}
action: complete the safeguarding enquiry and share the outcome with {X}
action: correct the records of the safeguarding enquiry
remedied: completed the enquiry and apologised
improve: remind staff of the need to involve families in safeguarding enquiries
improve: review its procedures for recording safeguarding decisions

- Direct payments (1)
about: {his} direct payments
complained: the Council reduced {his} direct payments without explaining why
complained: the Council delayed setting up direct payments for {his} {rel}'s care
action: backdate the direct payments to when they should have started
action: reconsider the level of direct payments
remedied: backdated the direct payments
improve: review how it sets up direct payments so they start without delay

= Benefits and tax
payments: 100 150 200 250 300

- Council tax (5) lower
about: council tax arrears
about: {his} council tax account
about: enforcement action over council tax
complained: the Council used enforcement agents over council tax arrears despite {his} circumstances
complained: the Council wrongly refused {his} application for a council tax discount
complained: the Council passed {his} council tax debt to enforcement agents without warning
complained: the Council failed to refund an overpayment of council tax
action: recall the debt from the enforcement agents and refund the fees
action: correct {his} council tax account
action: reconsider the application for a discount
action: refund the overpaid council tax
remedied: cancelled the enforcement fees
remedied: corrected the account and apologised
improve: remind revenues staff to consider a resident's circumstances before enforcement
improve: review its procedures for refunding council tax overpayments

- Council tax reduction (2) lower
about: {his} claim for council tax reduction
complained: the Council delayed processing {his} claim for council tax reduction
complained: the Council wrongly ended {his} council tax reduction
action: backdate {his} council tax reduction
action: decide the claim within two weeks
remedied: backdated the reduction
improve: review how it deals with changes of circumstances for council tax reduction

- Housing benefit (2) lower
about: {his} housing benefit
about: a housing benefit overpayment
complained: the Council took too long to decide {his} housing benefit claim
complained: about the way the Council recovered a housing benefit overpayment
action: reconsider whether to recover the overpayment
action: decide the housing benefit claim without further delay
remedied: suspended recovery of the overpayment
improve: remind benefits staff to tell claimants how to challenge a decision

- Business rates (1) lower
about: business rates on {his} shop
complained: the Council refused to backdate small business rate relief for {his} shop
action: reconsider the request to backdate rate relief
remedied: backdated the rate relief
improve: review how it tells businesses about rate relief they may be entitled to

= Corporate and other services
payments: 100 150 200 250

- Complaint handling (3)
about: the way the Council handled {his} complaint
complained: about the way the Council handled {his} complaint
complained: the Council delayed responding to {his} complaint and did not answer the points raised
action: provide a full response to {his} complaint
action: explain its decision to {X} in writing
remedied: apologised and sent a full response
improve: remind staff of the timescales in its complaints procedure
improve: review how it keeps complainants updated when a response is delayed

- Data protection (1)
about: the Council's handling of {his} personal information
complained: the Council shared {his} personal information without consent
action: confirm in writing what information was shared and with whom
remedied: apologised and recovered the information
improve: remind staff of its procedures for sharing personal information

- Land and property (1.5)
about: land the Council owns next to {his} home
complained: the Council failed to maintain land it owns next to {his} home
complained: the Council refused to sell {him} a strip of land without giving reasons
action: inspect the land and carry out any work needed
action: reconsider the request to buy the land
remedied: cleared the land and apologised
improve: review how it inspects and maintains land it owns

- Leisure and culture (1)
about: a Council leisure centre
about: the Council's library service
complained: the Council cancelled {his} booking at a leisure centre without explanation
action: refund the booking fee
remedied: refunded the booking
improve: review how it tells customers about cancelled bookings

= Education and children's services
payments: 200 300 400 500 600 750 900 1000 1200 1500 2400

- Special educational needs (6)
about: {his} {child}'s Education, Health and Care Plan
about: special educational needs provision for {his} {child}
complained: the Council did not provide the support in {his} {child}'s EHC Plan
complained: about delays in issuing {his} {child}'s Education, Health and Care Plan
complained: the Council did not complete {his} {child}'s annual review on time
complained: the Council named an unsuitable school in {his} {child}'s EHC Plan
action: arrange the provision in the plan without further delay
action: issue a final Education, Health and Care Plan
action: hold the annual review within four weeks
action: pay for the missed provision to be made up
remedied: arranged the missing provision and apologised
remedied: issued the plan and apologised for the delay
remedied: paid for the lost provision
improve: review its procedures for issuing Education, Health and Care Plans on time
improve: review how it checks that the provision in each plan is being delivered
improve: remind staff that the Council must secure the provision in a plan even when a school cannot

- School transport (2) upper
about: transport to school for {his} {child}
complained: the Council refused {his} application for free school transport for {his} {child}
complained: the Council withdrew transport for {his} {child} without notice
action: reconsider the application for school transport
action: refund the fares {X} paid while transport was not provided
remedied: arranged transport and refunded the fares
improve: remind staff to consider each transport application against the law and its policy
improve: review its school transport policy so it reflects the statutory guidance
payments: 100 150 200 250 300 400

- School admissions (1.5) upper
about: a school admission appeal for {his} {child}
complained: about the way an independent appeal panel dealt with {his} appeal for a school place
complained: the Council failed to offer {his} {child} a school place within a reasonable distance
action: arrange a fresh appeal hearing with a new panel
action: offer {his} {child} a place at a suitable school
remedied: arranged a fresh appeal hearing
improve: provide training to appeal panel clerks on recording panel decisions
payments: 100 150 200 250

- Child protection (2.5) upper
about: a child protection investigation
about: the Council's involvement with {his} family
complained: about the way the Council carried out a child protection investigation
complained: a social worker's report about {his} family contained inaccurate information
complained: the Council failed to act on {his} concerns about {his} {child}'s welfare
action: correct the social worker's report and tell everyone who received it
action: add {his} comments to the Council's records
remedied: corrected the report and apologised
improve: remind social workers to check reports for accuracy before sharing them with families
improve: review how it responds to concerns raised by parents about a child's welfare
payments: 150 250 300 500 750

- Alternative provision (1.5) upper
about: education for {his} {child} while out of school
complained: the Council did not arrange education when {his} {child} could not attend school
complained: the Council did not provide education for {his} {child} after an exclusion
action: pay for tuition to make up for the lost education
action: arrange suitable full-time education for {his} {child}
remedied: arranged tuition and paid for the lost education
improve: review its procedures for arranging education for children who cannot attend school

- Special guardianship (1) upper
about: {his} special guardianship allowance
complained: the Council reduced {his} special guardianship allowance without proper notice
action: recalculate the allowance in line with its policy and pay any arrears
remedied: paid the arrears of allowance
improve: review its special guardianship allowance policy against the statutory guidance

- Leaving care (0.8) upper
about: support for {his} {child} as a care leaver
complained: the Council did not provide the support {his} {child} was entitled to as a care leaver
action: update the pathway plan with {his} {child}
action: pay the leaving care grant that was due
remedied: paid the grant and updated the pathway plan
improve: remind personal advisers of the support care leavers are entitled to

= Environment services
payments: 100 150 200 250 300

- Refuse and recycling (3) lower
about: bin collections from {his} home
complained: the Council repeatedly failed to collect {his} bins
complained: the Council did not provide an assisted bin collection despite {his} mobility problems
complained: the Council stopped collecting garden waste {X} had paid for
action: monitor collections from {his} address for three months
action: arrange assisted collections for {X}
action: refund the garden waste charge
remedied: arranged assisted collections and apologised
remedied: refunded the garden waste charge
improve: review how it records and follows up missed collections
improve: remind crews to return assisted collection bins to the property

- Household waste recycling centres (1) upper
about: the Council's household waste recycling centre
complained: about the booking system for the Council's household waste recycling centre
action: explain its booking rules to {X} in writing
remedied: apologised and made a booking for {X}
improve: review the information on its website about booking a visit to a recycling centre

- Noise (2) lower
about: noise from a neighbouring property
complained: the Council failed to deal properly with {his} reports of noise from a neighbour
complained: the Council did not act on complaints about noise from a nearby business
action: decide whether the noise is a statutory nuisance and tell {X} the outcome
action: reopen its investigation into the noise
remedied: reopened the investigation and apologised
improve: remind environmental health officers to tell complainants what they will do and why

- Antisocial behaviour (1.5) lower
about: antisocial behaviour near {his} home
complained: the Council failed to act on {his} reports of antisocial behaviour
action: consider whether to hold an antisocial behaviour case review
remedied: held a case review and apologised
improve: review how it publicises the antisocial behaviour case review

- Trees and hedges (1)
about: a high hedge next to {his} home
about: a tree on Council land
complained: about the Council's decision on {his} high hedge complaint
complained: the Council failed to deal with a dangerous tree on its land
action: reconsider the high hedge complaint
action: inspect the tree and carry out any work needed
remedied: inspected the tree and carried out the work
improve: review how it inspects trees on its land

- Flooding (0.7) upper
about: flooding affecting {his} home
complained: the Council did not investigate flooding affecting {his} home
action: complete its investigation of the flooding
remedied: completed a flood investigation report
improve: review how it decides which floods to investigate

= Highways and transport
payments: 100 150 200 250

- Parking and enforcement (3) lower
about: a penalty charge notice
about: a residents' parking permit
complained: the Council wrongly issued {him} a penalty charge notice
complained: the Council refused {his} application for a residents' parking permit
action: cancel the penalty charge notice
action: reconsider the application for a permit
remedied: cancelled the penalty charge
improve: remind parking officers to consider all the evidence before rejecting a challenge

- Highway maintenance (3) upper
about: a pothole that damaged {his} car
about: the condition of the road outside {his} home
complained: the Council failed to repair a pothole that damaged {his} car
complained: the Council rejected {his} claim for damage caused by a defect in the road
action: reconsider {his} claim for the damage
action: inspect the road and repair any defects
remedied: repaired the road and apologised
improve: review how it records inspections of reported highway defects

- Blue badges (1.5) upper
about: {his} Blue Badge application
complained: the Council refused {his} application for a Blue Badge
action: reconsider the Blue Badge application
remedied: issued the Blue Badge
improve: provide training to Blue Badge assessors on eligibility for hidden disabilities

- Traffic management (1)
about: parking restrictions outside {his} home
complained: the Council brought in parking restrictions outside {his} home without consultation
action: review whether the restrictions are still needed
remedied: reviewed the restrictions and apologised
improve: review how it consults residents about new traffic orders

- Public rights of way (0.8) upper
about: an obstructed public footpath
complained: the Council failed to deal with an obstruction on a public footpath
action: decide whether to take enforcement action about the obstruction
remedied: had the obstruction removed
improve: review how it prioritises reports about public rights of way

= Housing
payments: 150 250 300 500 750 1000 1500 2000

- Homelessness (4) lower
about: {his} homelessness application
about: the temporary accommodation the Council provided
complained: the Council failed to provide interim accommodation when {X} became homeless
complained: the Council did not properly assess {his} homelessness application
complained: the Council placed {him} in unsuitable temporary accommodation
complained: the Council delayed reviewing the suitability of {his} temporary accommodation
action: offer {X} suitable accommodation
action: carry out a new suitability review
action: complete a new assessment and personalised housing plan
remedied: moved {X} to suitable accommodation
remedied: completed the assessment and apologised
improve: remind housing officers of the duty to provide interim accommodation
improve: review how it checks the suitability of temporary accommodation
improve: remind officers to tell applicants about their review rights

- Allocations (3) lower
about: {his} priority on the housing register
complained: the Council wrongly assessed {his} priority on the housing register
complained: the Council delayed considering medical evidence when deciding {his} housing priority
action: backdate {his} housing register priority
action: reconsider the medical evidence
remedied: backdated the priority and apologised
improve: review how it records the way medical evidence was considered
improve: provide training to housing register staff on its allocations scheme

- Private housing (1.5) lower
about: disrepair in {his} privately rented home
complained: the Council failed to act on {his} reports of disrepair in {his} privately rented home
action: inspect the property and decide what action to take
remedied: inspected the property and served an improvement notice
improve: review its procedures for responding to reports of disrepair in private rented homes

- Disabled facilities grants (1) lower
about: {his} application for a disabled facilities grant
complained: the Council delayed processing {his} application for a disabled facilities grant
action: complete the grant application without further delay
remedied: approved the grant and apologised
improve: review how it tracks disabled facilities grant applications

= Planning and development
payments: 150 250 300 500 1000

- Planning applications (4) lower
about: a planning application for development next to {his} home
complained: the Council failed to consider the impact of a neighbour's extension on {his} home
complained: the Council did not notify {him} about a planning application next door
complained: the Council granted planning permission without considering {his} objections
action: consider whether it can reduce the impact of the development
action: visit the site and report back to {X}
remedied: apologised and explained how the objections were considered
improve: remind planning officers to record in their reports how objections were considered
improve: review its procedures for notifying neighbours of planning applications

- Enforcement (2.5) lower
about: a breach of planning control next to {his} home
complained: the Council failed to take enforcement action against a breach of planning control
complained: the Council delayed investigating {his} report of unauthorised building work
action: decide whether enforcement action is expedient
action: make a decision on the outstanding enforcement case
remedied: completed the enforcement investigation and apologised
improve: review how it keeps complainants informed about enforcement investigations

- Building control (0.8) lower
about: building control inspections of {his} home
complained: the Council's building control service failed to notice defects in {his} new home
action: inspect the defects and explain its findings to {X}
remedied: inspected the property and apologised
improve: remind building control surveyors to record their inspections

- Minerals and waste planning (1) upper
about: a quarry near {his} home
complained: the Council failed to enforce planning conditions at a quarry near {his} home
action: decide whether the quarry is breaching its planning conditions
remedied: visited the site and taken action on the breach
improve: review how it monitors conditions at minerals sites

= Other
payments: 100 150 200

- Other (2)
about: the Council's handling of {his} enquiries
complained: the Council failed to respond to {his} enquiries
action: respond to {his} enquiries in full
remedied: responded in full and apologised
improve: remind staff to respond to enquiries within its published timescales

- Licensing (1) lower
about: a licence for premises near {his} home
complained: the Council granted a licence without considering {his} representations
action: explain how it considered {his} representations
remedied: explained its decision and apologised
improve: review how it records the representations it considered on licence applications

- Registration services (0.5) upper
about: the Council's registration service
complained: the Council's registration service made errors in a certificate
action: correct the certificate without charge
remedied: corrected the certificate and refunded the fee
improve: review how it checks certificates before they are issued
"""

_TOPIC = re.compile(r"^- (?P<name>.+?) \((?P<weight>[\d.]+)\)(?: (?P<tier>upper|lower))?$")
_FIELDS = {"about", "complained", "action", "remedied", "improve", "payments"}


def _parse(text: str) -> tuple[tuple[Topic, ...], ...]:
    areas: dict[str, list[Topic]] = {}
    area = ""
    area_payments: tuple[int, ...] = ()
    heading: re.Match[str] | None = None
    fields: dict[str, list[str]] = {}

    def close() -> None:
        if heading is None:
            return
        tier = heading["tier"]
        payments = tuple(int(p) for p in " ".join(fields.get("payments", [])).split())
        areas[area].append(
            Topic(
                heading["name"],
                float(heading["weight"]),
                UPPER if tier == "upper" else LOWER if tier == "lower" else (),
                about=tuple(fields.get("about", ())),
                complained=tuple(fields.get("complained", ())),
                actions=tuple(fields.get("action", ())),
                remedied=tuple(fields.get("remedied", ())),
                improvements=tuple(fields.get("improve", ())),
                payments=payments or area_payments,
            )
        )

    for line in text.splitlines():
        line = line.strip()
        if not line:
            continue
        if line.startswith("= "):
            close()
            heading, fields = None, {}
            area = SERVICE_AREAS.match(line[2:])
            areas[area] = []
        elif line.startswith("- "):
            close()
            heading, fields = _TOPIC.match(line), {}
            if heading is None:
                raise ValueError(f"phrase book: bad topic line {line!r}")
        else:
            name, _, phrase = line.partition(": ")
            if name not in _FIELDS:
                raise ValueError(f"phrase book: unknown field in {line!r}")
            if heading is None and name == "payments":
                area_payments = tuple(int(p) for p in phrase.split())
            else:
                fields.setdefault(name, []).append(phrase)
    close()
    return tuple(tuple(areas.get(key, ())) for key in SERVICE_AREAS.keys)


TOPICS = _parse(PHRASES)
"""The topics of each service area, in the order of `vocabulary.SERVICE_AREAS`."""

UPHELD = (
    "We found fault causing injustice.",
    "We found the Council was at fault, which caused {X} avoidable distress.",
    "The Council was at fault and this caused {X} uncertainty and frustration.",
    "We found fault in the way the Council dealt with the matter, which caused {him} an injustice.",
    "There was fault by the Council which put {X} to avoidable time and trouble.",
    "We upheld the complaint because the Council was at fault and this caused {X} distress.",
)
REMEDY_OPENINGS = (
    "The Council agreed to {actions}.",
    "To remedy the injustice, the Council has agreed to {actions}.",
    "The Council has accepted our recommendations to {actions}.",
)
ALREADY_REMEDIED = (
    "The Council accepted it was at fault and had already {remedied}. We consider this a suitable "
    "remedy, so we have completed our investigation.",
    "We found fault, but the Council had already {remedied}, which was a satisfactory remedy.",
    "There was fault, but the Council had {remedied} before {X} came to us, so we need take no "
    "further action.",
)
NOT_UPHELD = (
    "We found no fault in how the Council dealt with the matter.",
    "We did not find fault in the way the Council reached its decision, so we have completed our "
    "investigation.",
    "The Council acted in line with the law and its own policy, and we found no fault.",
    "We have not upheld the complaint because we did not find fault by the Council.",
    "We found no evidence of fault in the Council's actions.",
    "The Council properly considered {X}'s circumstances and we cannot question a decision it was "
    "entitled to make.",
)
CLOSED = (
    "This is because there is not enough evidence of fault to justify an investigation.",
    "This is because it is unlikely an investigation would find fault.",
    "This is because {X} could have used {his} right of appeal to a tribunal.",
    "This is because the complaint is late and there is no good reason to consider it now.",
    "This is because an investigation would not achieve anything further for {him}.",
    "This is because the courts are better placed to decide the matter.",
    "This is because the injustice claimed is not significant enough to justify our involvement.",
    "This is because the Council has already offered a suitable remedy.",
)
REFERRED_BACK = (
    "{X} complained about {about}. We have referred the complaint back to the Council because it "
    "has not yet had the chance to respond through its own complaints procedure.",
    "{X}'s complaint about {about} is premature. The Council should first have the opportunity to "
    "consider it, so we have referred it back for local resolution.",
    "We have passed {X}'s complaint about {about} to the Council to consider first. {X} can come "
    "back to us if still unhappy with its final response.",
)
ADVICE = (
    "{X} contacted us about {about}. We explained what we can and cannot consider and gave advice "
    "about the next steps.",
    "We gave {X} advice about how to pursue {his} concerns about {about}.",
    "{X} asked about {about}. We signposted {him} to the organisation best placed to help.",
)
INVALID = (
    "{X} contacted us about {about} but did not give us the information we needed to consider "
    "the complaint.",
    "{X}'s complaint about {about} is not one we can consider, so we have closed it.",
    "We could not progress {X}'s complaint about {about} because we did not receive the details "
    "we asked for.",
)
PAYMENTS = (
    "pay {X} £{amount} to recognise the distress caused",
    "pay £{amount} for the uncertainty and frustration caused",
    "pay {X} £{amount} for the time and trouble of pursuing the complaint",
    "pay £{amount} to acknowledge the injustice caused",
)
APOLOGIES = ("apologise", "apologise to {X}", "apologise in writing to {X}")
TIMEFRAMES = (("one month", 30), ("four weeks", 28), ("six weeks", 42), ("two months", 61))
"""How soon a remedy is due, and in how many days."""
