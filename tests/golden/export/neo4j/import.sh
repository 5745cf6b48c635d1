#!/bin/sh
# Load this casegraph export into a Neo4j 5 database (default: neo4j).
# Stop the database first; --overwrite-destination replaces its contents.
# Usage: sh import.sh [DATABASE]
set -e
cd "$(dirname "$0")"
neo4j-admin database import full --overwrite-destination --multiline-fields=true \
  --nodes=nodes_person.csv \
  --nodes=nodes_phone.csv \
  --nodes=nodes_handset.csv \
  --nodes=nodes_location.csv \
  --nodes=nodes_incident.csv \
  --nodes=nodes_account.csv \
  --relationships=rels_call.csv \
  --relationships=rels_phone_handset.csv \
  --relationships=rels_phone_location.csv \
  --relationships=rels_person_phone.csv \
  --relationships=rels_incident_phone.csv \
  --relationships=rels_incident_account.csv \
  --relationships=rels_incident_victim.csv \
  --relationships=rels_incident_location.csv \
  "${1:-neo4j}"
