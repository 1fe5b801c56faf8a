"""Scheduling on a clinic's portal: booking, the patient's own appointments and waitlist, and page blocks."""
