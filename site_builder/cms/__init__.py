"""Web editing for staff who do not use git: Decap CMS at ``/admin/``, configured from the content models."""
