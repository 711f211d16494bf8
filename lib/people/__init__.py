"""Who is who: staff accounts and sign-in, roles and what each may do, and the carer register."""
