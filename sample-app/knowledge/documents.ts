/** A document of the support knowledge base. */
export interface KnowledgeDocument {
  id: string;
  title: string;
  body: string;
}

/** The sample's knowledge base, bundled so the app runs with no database. */
export const DOCUMENTS: readonly KnowledgeDocument[] = [
  {
    id: 'refund-policy',
    title: 'Refund policy',
    body: `Monthly plans can be cancelled at any time; the current billing period is not refunded.
Annual plans can be refunded in full within 30 days of purchase. After 30 days, annual plans are refunded
pro rata for the unused full months, minus a 10% processing fee. Refunds go back to the original payment
method within 5 to 10 business days. Duplicate charges caused by a billing error are always refunded in full,
with no processing fee, as soon as finance confirms the duplicate invoice.`,
  },
  {
    id: 'pricing-plans',
    title: 'Plans and pricing',
    body: `Starter costs $19 per seat per month and includes 3 projects. Team costs $49 per seat per month and
includes unlimited projects, SSO and audit logs. Enterprise pricing is custom and adds a dedicated support
engineer. Annual billing gives two months free: an annual plan costs 10 times the monthly price per seat.
Seats can be added at any time and are prorated on the next invoice.`,
  },
  {
    id: 'incident-payment-webhooks',
    title: 'Incident report: delayed payment webhooks',
    body: `On March 4 between 09:12 and 10:47 UTC, payment webhooks from the card processor were delayed.
The technical root cause was a full message queue after a deploy reduced the number of webhook workers.
Customers whose renewals were processed in that window saw failed payment banners and some were charged twice
when they retried. Engineering restored the workers, replayed the queue and added an alert on queue depth.
Billing is refunding every duplicate charge; support should tag affected tickets with incident-0304.`,
  },
  {
    id: 'onboarding-guide',
    title: 'Onboarding guide',
    body: `New workspaces start with a guided setup: create a project, invite teammates, and connect the
account to your identity provider for SSO. Admins can set default roles and require two-factor
authentication for every account. The setup checklist stays on the dashboard until every step is done.`,
  },
  {
    id: 'ticket-4711',
    title: 'Ticket 4711: charged twice for the annual plan',
    body: `Hello, I was charged twice for our annual Team plan renewal this morning. The invoice shows the
same amount two times and my card statement too. This is a billing error and I need the duplicate charge
refunded urgently, our finance team closes the month on Friday. Please confirm the refund and send a
corrected invoice. Thanks, Dana (account: northwind-traders)`,
  },
];
